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

/// A spinner with `message` and the elapsed time on stderr when it is a terminal (hidden
/// otherwise), for work whose length is not known.
pub fn spinner(message: &str) -> ProgressBar {
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
