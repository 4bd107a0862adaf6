//! Turning a rendered mail (subject, plain text, HTML, inline PNGs) into the RFC 5322 message
//! the outbox stores: `multipart/alternative` with the plain text first, then
//! `multipart/related` holding the HTML and its images by `Content-ID`. lettre encodes the
//! headers (RFC 2047 for non-ASCII) and picks 7bit, quoted-printable or base64 per part, so
//! the whole message is ASCII. The subject is cleaned of control and bidi-override
//! characters and capped, so no text from a log or an AI answer can add a header.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

/// Longest subject kept, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// An image the HTML shows as `<img src="cid:{content_id}">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineImage {
    pub content_id: String,
    pub png: Vec<u8>,
}

/// A rendered mail, ready to compose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub images: Vec<InlineImage>,
}

/// A composed message and its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub sender: String,
    pub recipients: Vec<String>,
    /// The whole message, ASCII.
    pub message: String,
}

/// Why a message could not be composed (a bug or a config the loader should have refused).
#[derive(Debug, thiserror::Error)]
#[error("cannot compose the email: {0}")]
pub struct ComposeError(String);

/// Composes `mail` from `from` to `to`; its `Message-ID` is derived from `key`, so every copy
/// of one outbox message carries the same id.
pub fn compose(
    mail: &RenderedMail,
    from: &Mailbox,
    to: &[Mailbox],
    key: &str,
) -> Result<Composed, ComposeError> {
    let subject = clean_subject(&mail.subject);
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(subject.clone())
        .message_id(Some(message_id(key, from)))
        .date_now();
    for recipient in to {
        builder = builder.to(recipient.clone());
    }
    let message = builder
        .multipart(body(mail))
        .map_err(|err| ComposeError(err.to_string()))?;
    let message = String::from_utf8(message.formatted())
        .map_err(|_| ComposeError("the message is not ASCII".into()))?;
    Ok(Composed {
        subject,
        sender: from.email.to_string(),
        recipients: to.iter().map(|m| m.email.to_string()).collect(),
        message,
    })
}

fn body(mail: &RenderedMail) -> MultiPart {
    let png = ContentType::parse("image/png").expect("image/png is a content type");
    let related = mail.images.iter().fold(
        MultiPart::related().singlepart(SinglePart::html(mail.html.clone())),
        |related, image| {
            related.singlepart(
                Attachment::new_inline(image.content_id.clone())
                    .body(image.png.clone(), png.clone()),
            )
        },
    );
    MultiPart::alternative()
        .singlepart(SinglePart::plain(mail.text.clone()))
        .multipart(related)
}

/// `<32 hex digits of SHA-256(key)@sender's domain>`.
fn message_id(key: &str, from: &Mailbox) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("<{}@{}>", hex::encode(&digest[..16]), from.email.domain())
}

/// The subject on one line: control characters (CR and LF among them) become spaces,
/// bidi overrides and isolates are dropped, runs of spaces collapse, at most
/// [`MAX_SUBJECT_CHARS`] characters.
pub fn clean_subject(subject: &str) -> String {
    let cleaned: String = subject
        .chars()
        .filter(|c| !super::render::is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() <= MAX_SUBJECT_CHARS {
        return joined;
    }
    let mut cut: String = joined.chars().take(MAX_SUBJECT_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str) -> RenderedMail {
        RenderedMail {
            subject: subject.into(),
            text: "Plain words, naïve café.".into(),
            html: "<p>Plain words, naïve café.</p><img src=\"cid:chart\">".into(),
            images: vec![InlineImage {
                content_id: "chart".into(),
                png: vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255],
            }],
        }
    }

    fn composed(subject: &str) -> Composed {
        let from: Mailbox = "aivis <aivis@acme.test>".parse().unwrap();
        let to: Mailbox = "Brand Team <team@acme.test>".parse().unwrap();
        compose(&mail(subject), &from, &[to], "digest:acme:2026-W47").unwrap()
    }

    #[test]
    fn the_structure_is_text_then_related_html_and_images() {
        let message = composed("Weekly digest").message;
        let alternative = message.find("multipart/alternative").unwrap();
        let plain = message.find("text/plain").unwrap();
        let related = message.find("multipart/related").unwrap();
        let html = message.find("text/html").unwrap();
        let png = message.find("image/png").unwrap();
        assert!(alternative < plain && plain < related && related < html && html < png);
        assert!(message.contains("Content-ID: <chart>"));
        assert!(message.is_ascii());
    }

    #[test]
    fn the_message_id_follows_the_key() {
        let first = composed("a").message;
        let id_line = |m: &str| {
            m.lines()
                .find(|l| l.starts_with("Message-ID:"))
                .unwrap()
                .to_string()
        };
        assert_eq!(id_line(&first), id_line(&composed("b").message));
        assert!(id_line(&first).ends_with("@acme.test>"));
    }

    #[test]
    fn a_subject_cannot_add_a_header() {
        let message = composed("Drop\r\nBcc: victim@evil.test\r\n\r\nbody").message;
        assert!(!message.lines().any(|l| l.starts_with("Bcc:")));
        assert_eq!(
            clean_subject("a\r\nBcc: x\u{202E}y\t z"),
            "a Bcc: xy z".to_string()
        );
    }

    #[test]
    fn non_ascii_names_are_encoded_in_headers() {
        let from: Mailbox = "Zoë Insights <aivis@acme.test>".parse().unwrap();
        let to: Mailbox = "Jürgen Müller <jm@acme.test>".parse().unwrap();
        let message = compose(&mail("x"), &from, &[to], "k").unwrap().message;
        let header = |name: &str| {
            message
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap()
                .to_string()
        };
        assert!(header("From:").contains("=?utf-8?"), "{}", header("From:"));
        assert!(header("From:").ends_with("<aivis@acme.test>"));
        assert!(header("To:").contains("=?utf-8?") && header("To:").ends_with("<jm@acme.test>"));
    }

    #[test]
    fn non_ascii_subjects_are_encoded_and_long_ones_cut() {
        let message = composed("Übersicht — acme").message;
        assert!(message.contains("Subject: =?utf-8?"));
        let long = clean_subject(&"x".repeat(1000));
        assert_eq!(long.chars().count(), MAX_SUBJECT_CHARS);
        assert!(long.ends_with('…'));
    }
}
