// marsad workspaces: the one script of the signed-in pages (no framework, nothing fetched from
// elsewhere). Pages work without it; with it, the upload form shows live progress: the bytes
// sent (XMLHttpRequest upload progress), then the import's phase (polling the import job), then
// the import report, taken from the report page itself (so it is in the page's language).
'use strict';
(function () {
  const form = document.getElementById('upload');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const status = document.getElementById('upload-status');
  const bar = document.getElementById('upload-progress');
  const phase = document.getElementById('upload-phase');
  const result = document.getElementById('upload-result');
  const msg = (name) => form.dataset[name] || '';
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function showReport(submission) {
    const r = await fetch(form.dataset.report + submission, {credentials: 'same-origin'});
    const html = await r.text();
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const report = doc.getElementById('report');
    const link = document.createElement('a');
    link.href = form.dataset.report + submission;
    link.textContent = doc.title;
    const p = document.createElement('p');
    p.append(link);
    result.replaceChildren(p);
    if (report) result.append(document.importNode(report, true));
    document.body.dataset.upload = 'done';
  }

  async function follow(job) {
    // The import goes on on the server: its phase and rows until it has an outcome.
    for (;;) {
      if (job.status) break;
      const name = msg('phase' + job.phase.charAt(0).toUpperCase() + job.phase.slice(1)) || job.phase;
      phase.textContent = `${msg('msgImporting')} ${name} · ${msg('rows')} ${job.rows}`;
      if (job.bytes_total > 0) bar.value = Math.min(100, Math.round(100 * job.bytes_done / job.bytes_total));
      await sleep(400);
      const r = await fetch(`/api/v1/imports/${job.id}`, {credentials: 'same-origin'});
      if (!r.ok) throw new Error(`${r.status}`);
      job = await r.json();
    }
    bar.value = 100;
    const outcome = job.result || {};
    const submission = outcome.submission || (outcome.report && outcome.report.submission);
    phase.textContent = job.status < 300 ? msg('msgDone') : `${msg('msgFailed')} ${outcome.detail || ''}`;
    if (submission) await showReport(submission);
    else document.body.dataset.upload = 'failed';
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const mapping = data.get('mapping');
    if (mapping && mapping.size === 0) data.delete('mapping');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.dataset.api);
    xhr.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
    xhr.responseType = 'json';
    status.classList.remove('hidden');
    result.replaceChildren();
    bar.value = 0;
    phase.textContent = msg('msgSending');
    document.body.dataset.upload = 'sending';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    };
    xhr.onload = () => {
      const body = xhr.response || {};
      if (xhr.status === 202) {
        follow(body).catch((e) => { phase.textContent = `${msg('msgFailed')} ${e.message}`; document.body.dataset.upload = 'failed'; });
      } else {
        phase.textContent = `${msg('msgFailed')} ${body.detail || xhr.status}`;
        document.body.dataset.upload = 'failed';
      }
    };
    xhr.onerror = () => { phase.textContent = msg('msgFailed'); document.body.dataset.upload = 'failed'; };
    xhr.send(data);
  });
})();
