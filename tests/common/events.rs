//! Reading a Server-Sent Events stream as it arrives: events, comments and its end.

use std::time::Duration;

use axum::body::{Body, BodyDataStream};
use futures_util::StreamExt;

/// What a stream sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Event { name: String, data: String },
    Comment(String),
}

pub struct EventStream {
    body: BodyDataStream,
    buffer: String,
    ended: bool,
}

impl EventStream {
    pub fn new(body: Body) -> Self {
        Self {
            body: body.into_data_stream(),
            buffer: String::new(),
            ended: false,
        }
    }

    /// The next event or comment within `within`; `None` if nothing came or the stream ended.
    pub async fn next_item(&mut self, within: Duration) -> Option<Item> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(item) = parse(&block) {
                    return Some(item);
                }
                continue;
            }
            if self.ended {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return None,
                Ok(None) | Ok(Some(Err(_))) => self.ended = true,
                Ok(Some(Ok(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
            }
        }
    }

    /// The next event (comments skipped) within `within`: (name, data).
    pub async fn next_event(&mut self, within: Duration) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_item(left).await? {
                Item::Event { name, data } => return Some((name, data)),
                Item::Comment(_) => {}
            }
        }
    }

    /// Waits for the event named `name`, skipping others; panics after `within`.
    pub async fn expect_event(&mut self, name: &str, within: Duration) -> String {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(left).await {
                Some((got, data)) if got == name => return data,
                Some(_) => {}
                None => panic!("no `{name}` event within {within:?}"),
            }
        }
    }

    /// Whether the stream ends within `within` (what arrives meanwhile is skipped).
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if self.next_item(left).await.is_none() && self.ended {
                return true;
            }
        }
        self.ended
    }
}

fn parse(block: &str) -> Option<Item> {
    let mut name = None;
    let mut data: Vec<&str> = Vec::new();
    let mut comment = None;
    for line in block.lines() {
        if let Some(text) = line.strip_prefix(':') {
            comment = Some(text.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    // As browsers do (the SSE standard): an event without data is never dispatched.
    match (name, comment) {
        (_, Some(comment)) if data.is_empty() => Some(Item::Comment(comment)),
        _ if data.is_empty() => None,
        (name, _) => Some(Item::Event {
            name: name.unwrap_or_else(|| "message".into()),
            data: data.join("\n"),
        }),
    }
}
