//! Stream batching, as ipykernel does it: text is held at most 0.2 s, so a loop of prints
//! becomes a few `stream` messages instead of thousands (which would overflow slow clients).

use ladder_scripting::Stream;
use std::time::{Duration, Instant};

/// How long text may wait before it is published.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(200);
/// Text beyond this size is published at once, whatever the time.
const MAX_HELD: usize = 1 << 20;

/// Text waiting to be published, all from one stream.
#[derive(Default)]
pub struct StreamBatch {
    pending: Option<(Stream, String, Instant)>,
}

impl StreamBatch {
    /// Add text. Returns text that must be published first: the other stream's pending
    /// text, or this stream's when it has grown too large.
    pub fn push(&mut self, stream: Stream, text: &str) -> Option<(Stream, String)> {
        let mut ready = None;
        if matches!(&self.pending, Some((held, _, _)) if *held != stream) {
            ready = self.take();
        }
        match &mut self.pending {
            Some((_, held, _)) => held.push_str(text),
            None => self.pending = Some((stream, text.to_string(), Instant::now())),
        }
        if ready.is_none() && self.pending.as_ref().is_some_and(|p| p.1.len() >= MAX_HELD) {
            ready = self.take();
        }
        ready
    }

    /// Everything pending, to publish now.
    pub fn take(&mut self) -> Option<(Stream, String)> {
        self.pending.take().map(|(stream, text, _)| (stream, text))
    }

    /// Pending text whose time is up.
    pub fn take_due(&mut self, now: Instant) -> Option<(Stream, String)> {
        let due = self
            .pending
            .as_ref()
            .is_some_and(|(_, _, since)| now >= *since + FLUSH_INTERVAL);
        if due {
            self.take()
        } else {
            None
        }
    }

    /// Milliseconds until pending text is due (`-1`, wait forever, when nothing is held):
    /// the timeout for `zmq::poll`.
    pub fn poll_timeout_ms(&self, now: Instant) -> i64 {
        match &self.pending {
            None => -1,
            Some((_, _, since)) => {
                let left = (*since + FLUSH_INTERVAL).saturating_duration_since(now);
                // Round up, so the poll never wakes just before the text is due.
                left.as_micros().div_ceil(1000) as i64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_one_stream_is_merged_until_due() {
        let mut batch = StreamBatch::default();
        assert_eq!(batch.push(Stream::Stdout, "a\n"), None);
        assert_eq!(batch.push(Stream::Stdout, "b\n"), None);
        let now = Instant::now();
        assert!(batch.poll_timeout_ms(now) <= 200);
        assert_eq!(batch.take_due(now), None);
        let later = now + FLUSH_INTERVAL;
        assert_eq!(
            batch.take_due(later),
            Some((Stream::Stdout, "a\nb\n".to_string()))
        );
        assert_eq!(batch.poll_timeout_ms(later), -1);
    }

    #[test]
    fn switching_streams_releases_the_other_streams_text_in_order() {
        let mut batch = StreamBatch::default();
        batch.push(Stream::Stdout, "out\n");
        let ready = batch.push(Stream::Stderr, "err\n");
        assert_eq!(ready, Some((Stream::Stdout, "out\n".to_string())));
        assert_eq!(batch.take(), Some((Stream::Stderr, "err\n".to_string())));
    }

    #[test]
    fn large_text_is_released_at_once() {
        let mut batch = StreamBatch::default();
        let big = "x".repeat(MAX_HELD);
        assert_eq!(
            batch.push(Stream::Stdout, &big).map(|r| r.1.len()),
            Some(MAX_HELD)
        );
    }
}
