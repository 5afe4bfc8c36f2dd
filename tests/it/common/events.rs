//! Reading a Server-Sent Events stream as it arrives (events, comments and its end), from the
//! app in process (`TestClient::open_stream`) or from an instance over HTTP
//! (`EventStream::from_response`).

use std::time::Duration;

use axum::body::{Body, BodyDataStream};
use futures_util::StreamExt;
use tokio::time::Instant;

/// What a stream sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Event {
        name: String,
        data: String,
    },
    /// A comment line (`: keepalive`), without its colon.
    Comment(String),
}

enum Source {
    InProcess(BodyDataStream),
    Http(reqwest::Response),
}

pub struct EventStream {
    source: Source,
    buffer: String,
    ended: bool,
}

impl EventStream {
    pub fn new(body: Body) -> Self {
        Self::reading(Source::InProcess(body.into_data_stream()))
    }

    /// `response` must be a 200 event stream.
    pub fn from_response(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "not an event stream: {content_type}"
        );
        Self::reading(Source::Http(response))
    }

    fn reading(source: Source) -> Self {
        Self {
            source,
            buffer: String::new(),
            ended: false,
        }
    }

    /// The next item: `Ok(Some(item))`, `Ok(None)` once the stream ended, `Err(())` when
    /// nothing arrived within `within`.
    pub async fn next_within(&mut self, within: Duration) -> Result<Option<Item>, ()> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(item) = self.parse_one() {
                return Ok(Some(item));
            }
            if self.ended {
                return Ok(None);
            }
            let chunk = match &mut self.source {
                Source::InProcess(body) => {
                    match tokio::time::timeout_at(deadline, body.next()).await {
                        Err(_) => return Err(()),
                        Ok(Some(Ok(bytes))) => Some(bytes),
                        Ok(None | Some(Err(_))) => None,
                    }
                }
                Source::Http(response) => {
                    match tokio::time::timeout_at(deadline, response.chunk()).await {
                        Err(_) => return Err(()),
                        Ok(Ok(Some(bytes))) => Some(bytes),
                        // An aborted body counts as an ended one.
                        Ok(Ok(None) | Err(_)) => None,
                    }
                }
            };
            match chunk {
                Some(bytes) => self
                    .buffer
                    .push_str(&String::from_utf8_lossy(&bytes).replace("\r\n", "\n")),
                None => self.ended = true,
            }
        }
    }

    /// The next event or comment within `within`; `None` if nothing came or the stream ended.
    pub async fn next_item(&mut self, within: Duration) -> Option<Item> {
        self.next_within(within).await.ok().flatten()
    }

    /// The next event (comments skipped) within `within`: (name, data).
    pub async fn next_event(&mut self, within: Duration) -> Option<(String, String)> {
        let deadline = Instant::now() + within;
        loop {
            match self.next_item(left(deadline)).await? {
                Item::Event { name, data } => return Some((name, data)),
                Item::Comment(_) => {}
            }
        }
    }

    /// The data of the next event named `name` (others skipped) within `within`.
    pub async fn wait_for(&mut self, name: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            match self.next_event(left(deadline)).await {
                Some((got, data)) if got == name => return Some(data),
                Some(_) => {}
                None => return None,
            }
        }
    }

    /// Like [`Self::wait_for`], but panics after `within`.
    pub async fn expect_event(&mut self, name: &str, within: Duration) -> String {
        match self.wait_for(name, within).await {
            Some(data) => data,
            None => panic!("no `{name}` event within {within:?}"),
        }
    }

    /// The greeting every stream of the app starts with; returns the stream's id.
    pub async fn hello(&mut self) -> String {
        let event = self.next_event(Duration::from_secs(5)).await;
        let Some((name, id)) = event else {
            panic!("no greeting on the event stream")
        };
        assert_eq!(name, "stream", "the first event is not the greeting: {id}");
        id
    }

    /// Whether the stream ends within `within` (what arrives meanwhile is skipped).
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            match self.next_within(left(deadline)).await {
                Ok(None) => return true,
                Ok(Some(_)) => {}
                Err(()) => return false,
            }
        }
    }

    /// One whole item from the buffer, if there is one.
    fn parse_one(&mut self) -> Option<Item> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer.drain(..end + 2).collect();
            if let Some(item) = parse(&block) {
                return Some(item);
            }
        }
    }
}

fn left(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
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
    // As browsers do (the SSE standard's "dispatch the event"): an event without a data line
    // is dropped, whatever its name; a block of `retry:` alone is nothing either.
    if !data.is_empty() {
        return Some(Item::Event {
            name: name.unwrap_or_else(|| "message".into()),
            data: data.join("\n"),
        });
    }
    match (name, comment) {
        (None, Some(comment)) => Some(Item::Comment(comment)),
        _ => None,
    }
}
