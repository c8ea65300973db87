//! Invitation email over real SMTP, to a minimal SMTP server on loopback.
use crate::fixtures::*;
use crate::helpers::*;
use plinth::server::config::{MailMode, SmtpConfig};
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Accepts mail and keeps each message's DATA. Speaks just enough SMTP.
async fn fake_smtp() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let store = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 localhost ESMTP test\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-localhost\r\n250 OK\r\n",
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            store.lock().unwrap().push(data);
                            b"250 OK queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, inbox)
}

#[tokio::test]
async fn invitations_are_emailed_as_text_and_escaped_html() {
    let (url, inbox) = fake_smtp().await;
    let app = spawn_app_with(Engine::Sqlite, |c| {
        c.smtp = Some(SmtpConfig { url, from: "Plinth <plinth@example.com>".into() });
        c.mail = MailMode::Smtp;
    })
    .await
    .unwrap();
    let mut owner = Person { client: signed_up(&app, "<b>Eve & \"Co\"</b>", "eve@example.com").await, email: "eve@example.com".into() };
    let org_id = create_org(&mut owner, "Tom & Jerry's").await;
    let res = invite(&mut owner, org_id, "new@example.com", "member", "").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.json()[0]["link"].is_null(), "with SMTP the link goes by email, not to the inviter");
    let mail = {
        let mut waited = 0;
        loop {
            if let Some(m) = inbox.lock().unwrap().first().cloned() {
                break m;
            }
            assert!(waited < 50, "no email arrived");
            waited += 1;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    // Undo quoted-printable soft line breaks, which can split long lines.
    let mail = mail.replace("=\n", "");
    assert!(mail.contains("To: new@example.com"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(mail.contains("text/plain") && mail.contains("text/html"), "{mail}");
    let html = mail.split("text/html").nth(1).expect("an HTML part");
    assert!(html.contains("&lt;b&gt;Eve &amp; &quot;Co&quot;&lt;/b&gt;"), "the inviter's name is escaped in HTML: {html}");
    assert!(html.contains("Tom &amp; Jerry&#39;s"), "and so is the organization's: {html}");
    assert!(!html.contains("<b>Eve"), "no raw markup from names in the HTML part: {html}");
    let token = mail.split("/invite/").nth(1).map(|t| t.chars().take(64).collect::<String>()).expect("a link");
    let mut invited = Client::new(&app);
    invited.sign_up("New", "new@example.com", PASSWORD).await;
    assert_eq!(invited.call("invitations/accept", &[("token", &token)]).await.status, StatusCode::OK, "the emailed link works");
}

/// Without SMTP, an invitation's link is shown to the inviter and kept out
/// of the log; `PLINTH_MAIL=log` writes it there, after a warning at start-up.
#[tokio::test]
async fn invitation_links_reach_the_log_only_when_asked() {
    for mode in [None, Some("log")] {
        let db = TestDb::new(Engine::Sqlite).await.unwrap();
        let log = std::env::temp_dir().join(format!("plinth-mail-log-{}-{}.txt", std::process::id(), mode.unwrap_or("off")));
        let mut cmd = crate::operations::plinth_cmd(&db.url);
        if let Some(m) = mode {
            cmd.env("PLINTH_MAIL", m);
        }
        let file = std::fs::File::create(&log).unwrap();
        cmd.stdout(file.try_clone().unwrap()).stderr(file);
        let (mut server, base) = crate::operations::serve_process(cmd).await;
        let mut owner = Person { client: Client::at(&base), email: unique_email("mail-owner") };
        assert_eq!(owner.client.sign_up("Owner", &owner.email.clone(), PASSWORD).await.status, StatusCode::OK);
        let org_id = create_org(&mut owner, "Logged").await;
        let res = invite(&mut owner, org_id, "someone@example.com", "member", "").await;
        let link = res.json()[0]["link"].as_str().expect("the inviter gets the link without SMTP").to_string();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        server.kill().unwrap();
        server.wait().unwrap();
        let text = std::fs::read_to_string(&log).unwrap();
        let _ = std::fs::remove_file(&log);
        let token = token_of(&link);
        assert!(text.contains("someone@example.com"), "the log says an email was due: {text}");
        match mode {
            None => assert!(!text.contains(&token), "no invitation token in the log by default: {text}"),
            Some(_) => {
                assert!(text.contains(&token), "PLINTH_MAIL=log writes the link: {text}");
                assert!(text.contains("PLINTH_MAIL=log: emails, with their invitation links"), "and warns at start-up: {text}");
            }
        }
    }
}
