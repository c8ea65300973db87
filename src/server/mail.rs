//! Outgoing email: SMTP through lettre when configured; else nothing is sent
//! (the inviter copies the link from the team page), or, when asked for with
//! `PLINTH_MAIL=log`, the whole email is written to the log.
use crate::server::config::{MailMode, SmtpConfig};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone, Debug)]
pub enum Mailer {
    /// Boxed: the transport is large, and the other variants are empty.
    Smtp { transport: Box<AsyncSmtpTransport<Tokio1Executor>>, from: Mailbox },
    /// Whole emails to the log, links included.
    Log,
    /// Nothing sent; the log says only that an email was not sent.
    Off,
}

pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mailer {
    pub fn new(mode: MailMode, smtp: Option<&SmtpConfig>) -> Result<Self, String> {
        let smtp = match (mode, smtp) {
            (MailMode::Log, _) => {
                tracing::warn!(
                    "PLINTH_MAIL=log: emails, with their invitation links, are written to the log; anyone who reads the log can join as the invitee"
                );
                return Ok(Self::Log);
            }
            (MailMode::Off, _) | (MailMode::Smtp, None) => return Ok(Self::Off),
            (MailMode::Smtp, Some(smtp)) => smtp,
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url).map_err(|e| format!("PLINTH_SMTP_URL is not usable: {e}"))?.build();
        let from = smtp.from.parse().map_err(|e| format!("PLINTH_SMTP_FROM: {e}"))?;
        Ok(Self::Smtp { transport: Box::new(transport), from })
    }

    pub fn is_smtp(&self) -> bool {
        matches!(self, Self::Smtp { .. })
    }

    /// Send, or log. Failures are logged, not returned: an invitation stays
    /// valid (and copyable) even when the mail server is down.
    pub async fn send(&self, email: Email) {
        match self {
            Self::Log => tracing::info!(to = %email.to, subject = %email.subject, body = %email.text, "email (PLINTH_MAIL=log)"),
            Self::Off => tracing::info!(to = %email.to, subject = %email.subject, "email not sent: no mail server is set (PLINTH_SMTP_URL)"),
            Self::Smtp { transport, from } => {
                let message = email.to.parse::<Mailbox>().map_err(|e| e.to_string()).and_then(|to| {
                    Message::builder()
                        .from(from.clone())
                        .to(to)
                        .subject(&email.subject)
                        .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
                        .map_err(|e| e.to_string())
                });
                match message {
                    Ok(m) => match transport.send(m).await {
                        Ok(_) => tracing::info!(to = %email.to, subject = %email.subject, "email sent"),
                        Err(e) => tracing::error!(to = %email.to, error = %e, "email not sent"),
                    },
                    Err(e) => tracing::error!(to = %email.to, error = %e, "email not built"),
                }
            }
        }
    }
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The invitation email, plain text and HTML, with every name escaped.
pub fn invitation(to: &str, inviter: &str, org: &str, role: &str, link: &str) -> Email {
    let text = format!(
        "{inviter} invited you to join {org} on Plinth as {role}.\n\nAccept the invitation:\n{link}\n\nThe link works once, for {to}, and expires in 7 days.\n"
    );
    let (i, o, r, l, t) = (escape_html(inviter), escape_html(org), escape_html(role), escape_html(link), escape_html(to));
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#111\">\
         <p><strong>{i}</strong> invited you to join <strong>{o}</strong> on Plinth as {r}.</p>\
         <p><a href=\"{l}\" style=\"background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">Accept invitation</a></p>\
         <p style=\"color:#555\">The link works once, for {t}, and expires in 7 days.</p></body></html>"
    );
    Email { to: to.to_string(), subject: format!("Join {org} on Plinth"), text, html }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_in_invitation_html_are_escaped() {
        let m = super::invitation("a@x.io", "<script>alert(1)</script>", "Tom & Jerry's", "Admin", "http://h/invite/t");
        assert!(m.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(m.html.contains("Tom &amp; Jerry&#39;s"));
        assert!(!m.html.contains("<script>"));
        assert!(m.text.contains("<script>"), "plain text needs no escaping");
    }
}
