//! `report.html` in a real headless browser (Debian's chromium; `.ci/run` installs it and sets
//! GOALPOST_REQUIRE_BROWSER, so CI never skips this). The page renders, its charts are in the
//! DOM, and the hostile trajectory's script and handlers run nothing.

mod hostile;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GOALPOST_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs chromium headless with `args` on `page`, killed after 90 s; returns stdout.
fn headless(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> String {
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
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_report_renders_in_chromium_with_charts_and_runs_no_injected_script() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("GOALPOST_REQUIRE_BROWSER").is_none(),
            "GOALPOST_REQUIRE_BROWSER is set but no chromium was found (install Debian's `chromium`)"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: no chromium on PATH (CI installs it and requires this test)");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = hostile::report(dir.path());
    let page = dir.path().join("report.html");
    fs_err::write(&page, goalpost_report::html::render(&r)).unwrap();

    let dom = headless(&browser, &dir.path().join("profile-1"), &["--dump-dom"], &page);
    assert!(dom.contains("goalpost report 20261125T000000Z-b"), "the page rendered: {}", &dom[..dom.len().min(500)]);
    assert!(dom.contains("<svg class=\"chart\" id=\"trend-pass-rate\""), "pass-rate chart in the DOM");
    assert!(dom.contains("<svg class=\"chart\" id=\"trend-cost\""), "cost chart in the DOM");
    assert!(dom.contains("<polyline") && dom.contains("<circle") && dom.contains("<rect"));
    assert!(dom.contains("class=\"review\""), "review pages rendered");
    // The payloads set an attribute on <body>; their text appears escaped in the page, so look
    // at the body element itself.
    let body = &dom[dom.find("<body").unwrap()..];
    let body_tag = &body[..body.find('>').unwrap()];
    assert_eq!(body_tag, "<body", "an injected script or handler ran: {body_tag}");
    assert!(!dom.contains("data-pwned=\""), "an injected script or handler ran");
    assert!(dom.contains("&lt;script&gt;document.body.setAttribute"), "the hostile text is shown as text");

    let shot = dir.path().join("shot.png");
    headless(
        &browser,
        &dir.path().join("profile-2"),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1200,2000"],
        &page,
    );
    let png = fs_err::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // A blank page compresses to a few KB; this one has tables, charts and text.
    assert!(png.len() > 50_000, "screenshot is only {} bytes", png.len());
}
