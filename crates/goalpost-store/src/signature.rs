//! Failure signatures and the ids made from them.

/// Evidence text with what varies between sightings of the same failure taken out: case,
/// numbers (step numbers, costs, counts, line numbers), hexadecimal hashes and spacing.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            // A long run of hex digits is a hash or an id: one token.
            let hexish = word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit());
            out.push_str(if hexish { "<hex>" } else { word });
            word.clear();
        }
    };
    let mut last_space = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        flush(&mut word, &mut out);
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    flush(&mut word, &mut out);
    // Numbers last, so that `step 12` and `step 7` agree.
    let mut digits = String::with_capacity(out.len());
    let mut in_num = false;
    for c in out.trim().chars() {
        if c.is_ascii_digit() {
            if !in_num {
                digits.push('#');
            }
            in_num = true;
        } else {
            digits.push(c);
            in_num = false;
        }
    }
    digits
}

/// The signature of a failure: blake3 over the original scenario and each failed criterion
/// with its normalised message, in criterion order.
pub fn signature(scenario: &str, failing: &[(&str, &str)]) -> String {
    let mut items: Vec<(String, String)> = failing.iter().map(|(c, m)| ((*c).to_owned(), normalise(m))).collect();
    items.sort();
    let mut h = blake3::Hasher::new();
    h.update(b"goalpost-regression-signature/1\0");
    h.update(scenario.as_bytes());
    for (c, m) in &items {
        h.update(b"\0");
        h.update(c.as_bytes());
        h.update(b"\0");
        h.update(m.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// A file-name-safe slug of an untrusted id: `[a-z0-9-]`, at most 48 characters, never empty.
pub fn slug(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "scenario".to_owned() } else { out }
}

/// Whether `id` is a store id (`reg-` then `[a-z0-9-]`): safe as a directory name.
pub(crate) fn is_store_id(id: &str) -> bool {
    id.len() <= 80
        && id.starts_with("reg-")
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An untrusted string made safe to show in a message: hidden characters escaped, capped.
pub(crate) fn printable(s: &str) -> String {
    goalpost_trajectory::text::visible_capped(s, 200)
}
