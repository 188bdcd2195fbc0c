//! `report.html` in a real headless browser (Debian's chromium; `.ci/run` installs it and sets
//! GOALPOST_REQUIRE_BROWSER, so CI never skips this). The page renders, its charts are in the
//! DOM, and the hostile trajectory's script and handlers run nothing. A control page shows that
//! the checks would see a script that ran.

mod common;
mod hostile;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a chromium invocation may take before it is killed and the test fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// `GOALPOST_CHROMIUM`, else `/usr/bin/chromium`, else the first of the usual names on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GOALPOST_CHROMIUM") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "GOALPOST_CHROMIUM={} is not a file", p.display());
        return Some(p);
    }
    let usr = Path::new("/usr/bin/chromium");
    if usr.is_file() {
        return Some(usr.to_owned());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// The browser, or `None` (with a note) when there is none and none is required.
fn browser_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("GOALPOST_REQUIRE_BROWSER").is_none(),
            "GOALPOST_REQUIRE_BROWSER is set but no chromium was found: install Debian's `chromium`, or set \
             GOALPOST_CHROMIUM to the browser's path"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: no chromium (GOALPOST_CHROMIUM, /usr/bin/chromium or on PATH); CI requires this test");
        }
    }
    found
}

/// Runs chromium headless on `page` with a fresh profile under `dir`, plus `args`; returns its
/// stdout. Stdout goes to a file, so a large DOM can never fill a pipe and stall the browser;
/// past [`TIMEOUT`] the browser is killed and the test fails.
fn headless(browser: &Path, dir: &Path, tag: &str, args: &[&str], page: &Path) -> String {
    let profile = dir.join(format!("profile-{tag}"));
    let out_path = dir.join(format!("stdout-{tag}"));
    let out = fs_err::File::create(&out_path).unwrap().into_file();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in {} s ({args:?})", TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed ({status}) on {args:?}");
    fs_err::read_to_string(&out_path).unwrap()
}

/// The serialized `<body>` start tag.
fn body_tag(dom: &str) -> &str {
    let body = &dom[dom.find("<body").expect("a <body> in the DOM")..];
    &body[..body.find('>').unwrap()]
}

/// What a page that ran none of the hostile strings' code looks like in the DOM, and how its
/// screenshot compares with a blank page's.
fn assert_rendered_inert(browser: &Path, dir: &Path, html: &str, title: &str) {
    let page = dir.join("report.html");
    fs_err::write(&page, html).unwrap();
    let dom = headless(browser, dir, "dom", &["--dump-dom"], &page);
    let head = &dom[..dom.len().min(500)];
    assert!(dom.contains(title), "the page rendered: {head}");
    assert!(dom.contains("<h2 id=\"review-pages\">") && dom.contains("<a href=\"review/"), "the review index rendered");
    for id in ["trend-pass-rate", "trend-cost"] {
        let at = dom.find(&format!("<svg class=\"chart\" id=\"{id}\"")).unwrap_or_else(|| panic!("{id} in the DOM"));
        let svg = &dom[at..at + dom[at..].find("</svg>").unwrap()];
        assert!(svg.contains("<title>"), "{id} has a title");
        let marks = if id == "trend-pass-rate" { ["<polyline", "<circle"] } else { ["<rect", "<rect"] };
        assert!(marks.iter().all(|m| svg.contains(m)), "{id} draws {marks:?}");
    }
    // The browser's own parse holds only the report's elements and attributes: no injected
    // element, no event handler.
    common::assert_only_our_markup(&dom);
    // The payloads set `data-pwned` on <body>. Their text (quoted with ') is on the page, so
    // look for the attribute, and for any occurrence the page did not have before.
    assert_eq!(body_tag(&dom), "<body", "an injected script or handler ran");
    assert!(!dom.contains("data-pwned=") && !dom.contains("data-pwned\""), "an injected script or handler ran");
    assert_eq!(dom.matches("data-pwned").count(), html.matches("data-pwned").count(), "data-pwned appeared");
    assert!(dom.contains("&lt;script&gt;document.body.setAttribute"), "the hostile text is shown as text");

    let shot = dir.join("shot.png");
    let blank = dir.join("blank.png");
    let blank_page = dir.join("blank.html");
    fs_err::write(&blank_page, "<!DOCTYPE html><title>blank</title>").unwrap();
    let size = "--window-size=1200,2000";
    headless(browser, dir, "shot", &[&format!("--screenshot={}", shot.display()), size], &page);
    headless(browser, dir, "blank", &[&format!("--screenshot={}", blank.display()), size], &blank_page);
    let (png, blank) = (fs_err::read(&shot).unwrap(), fs_err::read(&blank).unwrap());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // A blank page compresses to a few KB; this one has tables, charts and text.
    assert!(png.len() > 30_000 && png.len() > 5 * blank.len(), "screenshot {} bytes, blank {}", png.len(), blank.len());
}

#[test]
fn a_hostile_report_renders_in_chromium_and_runs_nothing_injected() {
    let Some(browser) = browser_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = goalpost_report::html::render(&common::report());
    assert_rendered_inert(&browser, dir.path(), &html, &format!("goalpost report {}", common::RUN_ID));
}

#[test]
fn a_report_graded_from_a_hostile_trajectory_renders_in_chromium_and_runs_nothing_injected() {
    let Some(browser) = browser_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let r = hostile::report(dir.path());
    let html = goalpost_report::html::render(&r);
    let out = dir.path().join("browser");
    fs_err::create_dir_all(&out).unwrap();
    assert_rendered_inert(&browser, &out, &html, "goalpost report 20261125T000000Z-b");
}

/// The checks above would catch a script or handler that ran, and the report's CSP alone
/// would stop one.
#[test]
fn control_chromium_shows_an_injected_script_unless_the_csp_forbids_it() {
    let Some(browser) = browser_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let payload = format!("<p>{}</p><p>{}</p>", common::SCRIPT, common::IMG);
    let bare = dir.path().join("bare.html");
    fs_err::write(&bare, format!("<!DOCTYPE html><html><head><title>t</title></head><body>{payload}</body></html>"))
        .unwrap();
    let dom = headless(&browser, dir.path(), "bare", &["--dump-dom"], &bare);
    assert!(body_tag(&dom).contains("data-pwned=\""), "the script ran: {}", body_tag(&dom));

    let html = goalpost_report::html::render(&common::report());
    let csp = &html[html.find("<meta http-equiv=\"Content-Security-Policy\"").unwrap()..];
    let csp = &csp[..=csp.find('>').unwrap()];
    let locked = dir.path().join("locked.html");
    fs_err::write(
        &locked,
        format!("<!DOCTYPE html><html><head>{csp}<title>t</title></head><body>{payload}</body></html>"),
    )
    .unwrap();
    let dom = headless(&browser, dir.path(), "locked", &["--dump-dom"], &locked);
    assert!(dom.contains("<script>"), "the script is in the DOM");
    assert_eq!(body_tag(&dom), "<body", "the CSP stopped the script and the handler");
}
