//! The HTML matrix in a real browser: `ecrsim matrix --format html` on the example snapshot is
//! opened in headless Chromium, driven over the DevTools protocol (a websocket), and checked: the
//! table has the snapshot's principals and repositories and a known cell's decision, clicking a
//! cell shows its explanation, and the console shows no error and no uncaught exception.
//!
//! Without Chromium the test prints a skip line and passes, unless `ECRSIM_REQUIRE_BROWSER=1`
//! (set by `.ci/run`, which installs Debian's `chromium`). Every wait has a generous deadline
//! only so that a hang fails instead of blocking; nothing asserts on time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should stop loudly on unexpected input"
)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// How long any one step may take on a busy two-core machine before the test gives up.
const DEADLINE: Duration = Duration::from_secs(60);

/// The Chromium executable: `ECRSIM_CHROMIUM`, else `chromium` or `chromium-browser` on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ECRSIM_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// A headless Chromium with its own profile folder; killed and removed on drop.
struct Browser {
    child: Child,
    profile: PathBuf,
    /// `ws://127.0.0.1:PORT/devtools/browser/…`.
    endpoint: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium's helper processes may still write to the profile for a moment after the
        // browser is gone: try again a few times (cleanup only, nothing is asserted).
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.profile).is_ok() || !self.profile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Browser {
    fn start(executable: &Path) -> Browser {
        let profile = std::env::temp_dir().join(format!(
            "ecrsim-chromium-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&profile).expect("profile folder");
        let mut child = Command::new(executable)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        // Chromium says where it listens on standard error; the rest of it is drained so that a
        // full pipe never blocks the browser.
        let stderr = child.stderr.take().expect("piped stderr");
        let (send, receive) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stderr).lines();
            let mut told = false;
            for line in lines.by_ref().map_while(Result::ok) {
                if !told && let Some(at) = line.find("ws://") {
                    let _ = send.send(line[at..].trim().to_string());
                    told = true;
                }
            }
        });
        let mut browser = Browser {
            child,
            profile,
            endpoint: String::new(),
        };
        match receive.recv_timeout(DEADLINE * 2) {
            Ok(endpoint) => browser.endpoint = endpoint,
            Err(_) => {
                let status = browser.child.try_wait().ok().flatten();
                panic!("chromium did not print its DevTools endpoint (exit status: {status:?})");
            }
        }
        browser
    }

    /// `127.0.0.1:PORT`.
    fn host(&self) -> &str {
        let rest = self.endpoint.trim_start_matches("ws://");
        rest.split('/').next().unwrap_or(rest)
    }

    /// The DevTools websocket of the first page target.
    fn page_socket(&self) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(url) = http_get(self.host(), "/json/list").and_then(|body| {
                let targets: Value = serde_json::from_str(&body).ok()?;
                targets
                    .as_array()?
                    .iter()
                    .find(|t| t["type"] == "page")
                    .and_then(|t| t["webSocketDebuggerUrl"].as_str())
                    .map(str::to_string)
            }) {
                return url;
            }
            assert!(Instant::now() < deadline, "chromium lists no page target");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// `GET path` on the DevTools HTTP endpoint, the body on a 200 answer. Chromium keeps the
/// connection open, so the body is read by its `Content-Length`.
fn http_get(host: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).ok()?;
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    status
        .starts_with("HTTP/1.1 200")
        .then(|| String::from_utf8_lossy(&body).into_owned())
}

/// A DevTools session on one page: commands with ids, and every error event seen on the way.
struct Page {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Uncaught exceptions, console errors and log entries of level error, as text.
    errors: Vec<String>,
}

impl Page {
    fn connect(url: &str) -> Page {
        let (socket, _) = tungstenite::connect(url).expect("DevTools websocket");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_millis(500)))
                .expect("read timeout");
        }
        Page {
            socket,
            next_id: 0,
            errors: Vec::new(),
        }
    }

    /// Sends a command and waits for its answer (its `result`), noting events meanwhile.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let text = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket
            .send(Message::text(text))
            .expect("send a DevTools command");
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(
                Instant::now() < deadline,
                "no answer to {method} from chromium"
            );
            let message = match self.socket.read() {
                Ok(message) => message,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => panic!("DevTools websocket: {e}"),
            };
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).expect("DevTools JSON");
            if value["id"] == id {
                assert!(
                    value.get("error").is_none(),
                    "{method} failed: {}",
                    value["error"]
                );
                return value["result"].clone();
            }
            self.note(&value);
        }
    }

    /// Records an error event.
    fn note(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Runtime.exceptionThrown") => self.errors.push(format!(
                "uncaught exception: {}",
                params["exceptionDetails"]
            )),
            Some("Runtime.consoleAPICalled") if params["type"] == "error" => {
                self.errors
                    .push(format!("console.error: {}", params["args"]));
            }
            Some("Log.entryAdded") if params["entry"]["level"] == "error" => {
                self.errors.push(format!("log error: {}", params["entry"]));
            }
            _ => {}
        }
    }

    /// Evaluates an expression in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "`{expression}` threw: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }
}

#[test]
fn html_matrix_renders_in_chromium_and_a_cell_opens_its_explanation() {
    let Some(executable) = chromium() else {
        assert!(
            std::env::var("ECRSIM_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "ECRSIM_REQUIRE_BROWSER=1 but no chromium on PATH (Debian: apt-get install chromium)"
        );
        println!(
            "SKIPPED: no chromium on PATH (Debian: apt-get install chromium); the HTML matrix was not opened in a browser"
        );
        return;
    };
    let output = support::ecrsim(
        &[
            "matrix",
            "--snapshot",
            "corpus/snapshots/example/snapshot",
            "--format",
            "html",
            "--at",
            "2026-06-01T00:00:00Z",
        ],
        "",
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::text(&output.stderr)
    );
    let html = support::text(&output.stdout);
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains(" src="),
        "the page must load nothing from elsewhere"
    );
    let file = std::env::temp_dir().join(format!("ecrsim-matrix-{}.html", std::process::id()));
    std::fs::write(&file, &html).expect("write the page");

    let browser = Browser::start(&executable);
    let mut page = Page::connect(&browser.page_socket());
    page.call("Runtime.enable", json!({}));
    page.call("Log.enable", json!({}));
    page.call("Page.enable", json!({}));
    page.call(
        "Page.navigate",
        json!({"url": format!("file://{}", file.display())}),
    );
    let deadline = Instant::now() + DEADLINE;
    loop {
        let state = page.eval("document.readyState + ' ' + location.protocol");
        if state == "complete file:" {
            break;
        }
        assert!(Instant::now() < deadline, "the page never loaded: {state}");
        std::thread::sleep(Duration::from_millis(100));
    }

    // (a) The table: every principal and repository of the snapshot, and a known cell.
    let table = page.eval(
        r#"(function(){
            var t=document.getElementById('matrix');
            var rows=[].map.call(t.tBodies[0].rows,function(r){return r.cells[0].textContent;});
            var repos=[].slice.call(t.tHead.rows[0].cells,1).map(function(c){return c.textContent;});
            var questions=[].map.call(t.tHead.rows[1].cells,function(c){return c.textContent;});
            var push=null, pull=null;
            [].forEach.call(t.tBodies[0].rows,function(r){
              if(r.cells[0].textContent==='role/ci-push'){
                pull={text:r.cells[1].textContent,decision:r.cells[1].getAttribute('data-d')};
                push={text:r.cells[2].textContent,decision:r.cells[2].getAttribute('data-d')};
              }
            });
            return {rows:rows,repos:repos,questions:questions,pull:pull,push:push,
                    hidden:getComputedStyle(document.getElementById('explain')).display};
        })()"#,
    );
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a list")
            .iter()
            .map(|s| s.as_str().expect("text").to_string())
            .collect()
    };
    assert_eq!(
        strings(&table["rows"]),
        [
            "user/alice",
            "user/carol",
            "role/eks-node",
            "role/readonly",
            "role/release",
            "role/ci-other",
            "role/ci-push",
            "role/ci-readonly",
            "account 777788889999",
            "lambda.amazonaws.com",
        ]
    );
    assert_eq!(strings(&table["repos"]), ["app", "tools"]);
    assert_eq!(
        strings(&table["questions"]),
        ["pull", "push", "pull", "push"]
    );
    assert_eq!(
        table["push"],
        json!({"text": "allow", "decision": "Allow"}),
        "role/ci-push pushes to app: {table}"
    );
    assert_eq!(table["hidden"], "none", "no explanation before a click");

    // (b) Clicking a cell shows its explanation: alice may not push to app, her boundary says no.
    let shown = page.eval(
        r#"(function(){
            var t=document.getElementById('matrix');
            var row=[].filter.call(t.tBodies[0].rows,function(r){return r.cells[0].textContent==='user/alice';})[0];
            row.cells[2].dispatchEvent(new MouseEvent('click',{bubbles:true}));
            var panel=document.getElementById('explain');
            return {display:getComputedStyle(panel).display,
                    title:document.getElementById('explain-title').textContent,
                    text:document.getElementById('explain-text').textContent,
                    selected:row.cells[2].classList.contains('sel')};
        })()"#,
    );
    assert_eq!(shown["display"], "block", "{shown}");
    assert_eq!(
        shown["title"], "ImplicitDeny: push by user/alice on app",
        "{shown}"
    );
    let text = shown["text"].as_str().expect("text");
    assert!(
        text.contains("ImplicitDeny: ecr:InitiateLayerUpload\n  why: because no permissions boundary allows it"),
        "{text}"
    );
    assert!(
        text.contains("Allow: ecr:GetAuthorizationToken on *\n  decides: user alice: group developers: attached AWS managed AmazonEC2ContainerRegistryPowerUser `#0`"),
        "{text}"
    );
    assert_eq!(shown["selected"], true);

    // (c) No console error, no uncaught exception: one more round trip lets late events arrive.
    page.eval("1");
    assert!(
        page.errors.is_empty(),
        "errors in the page: {:?}",
        page.errors
    );

    // The error collection itself works: an error made on purpose is seen.
    page.eval("console.error('ecrsim probe'); setTimeout(function(){ throw new Error('ecrsim thrown probe'); }, 0); 1");
    let deadline = Instant::now() + DEADLINE;
    while page.errors.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the probes were not seen: {:?}",
            page.errors
        );
        page.eval("1");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        page.errors.iter().any(|e| e.contains("ecrsim probe"))
            && page
                .errors
                .iter()
                .any(|e| e.contains("ecrsim thrown probe")),
        "{:?}",
        page.errors
    );
    drop(page);
    drop(browser);
    let _ = std::fs::remove_file(&file);
}
