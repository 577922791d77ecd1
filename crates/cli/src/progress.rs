//! Progress bars for long imports (indicatif), drawn on stderr only when it is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(visible: bool) -> Bar {
        let bar = ProgressBar::with_draw_target(
            None,
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        Bar { bar }
    }

    pub fn with_prefix(self, prefix: String) -> Bar {
        self.bar.set_prefix(prefix);
        self
    }

    pub fn from(bar: ProgressBar) -> Bar {
        Bar { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl marsad_ingest::Progress for Bar {
    fn phase(&self, name: &str, total: u64) {
        tracing::debug!(phase = name, total, "import phase");
        self.bar.set_length(total);
        self.bar.set_position(0);
        let template = if total > 0 {
            "{prefix:.bold} {msg:>10} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}"
        } else {
            "{prefix:.bold} {msg:>10} {spinner} {elapsed}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_message(name.to_string());
    }

    fn advance(&self, bytes: u64, _rows: u64) {
        self.bar.set_position(bytes);
    }
}
