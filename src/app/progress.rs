//! The ingest progress bar on stderr: an [`ingest::Progress`](crate::ingest::Progress)
//! observer the CLI passes in when stderr is a terminal.

use std::sync::Mutex;

use crate::ingest::Progress;

/// One bar per input, drawn with indicatif.
#[derive(Default)]
pub struct ProgressBar {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Progress for ProgressBar {
    fn start_input(&self, _name: &str, size: Option<u64>, start: u64) {
        let bar = match size {
            Some(size) => {
                let bar = indicatif::ProgressBar::new(size);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                ) {
                    bar.set_style(style);
                }
                bar.set_position(start);
                bar
            }
            // A stream's size is unknown: nothing to draw against.
            None => indicatif::ProgressBar::hidden(),
        };
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, position: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.set_position(position);
        }
    }

    fn finish_input(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}
