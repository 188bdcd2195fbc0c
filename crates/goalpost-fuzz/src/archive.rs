//! Zip-aware mutations of an Inspect `.eval` archive (a zip of JSON entries, deflated or
//! zstd-compressed).
//!
//! A byte flip in a zip mostly breaks the checksum of one entry, so the reader never parses
//! what the archive holds. Here the archive is opened with the `zip` crate and changed as a zip:
//! one entry's JSON is mutated with [`crate::mutate`]'s JSON-aware mutations and compressed
//! again with the entry's own method, or the archive's structure is: an entry renamed (a damaged
//! sample name, a duplicate name), dropped (a sample its summaries list, the header), duplicated,
//! or declaring sizes, a checksum, a method or flags that lie, and a directory that miscounts.
//! The archive is then written again by [`write`] (the `zip` crate's writer refuses duplicate
//! names and cannot lie): entries not changed keep their compressed bytes as they were.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::mutate::{Mutant, json_mutation, mutate_plain};
use crate::rng::Rng;

const STORED: u16 = 0;
const DEFLATE: u16 = 8;
const ZSTD: u16 = 93;
/// General purpose flag bits: encrypted, sizes in a data descriptor, UTF-8 name.
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;

/// Whether `data` starts like a zip archive.
pub fn is_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04")
}

/// What a header says about an entry's data (which may not be what the data is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Declared {
    crc: u32,
    compressed: u32,
    size: u32,
}

/// One entry of the archive as it will be written.
#[derive(Debug, Clone)]
struct Entry {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    /// The compressed bytes.
    data: Vec<u8>,
    local: Declared,
    central: Declared,
    /// Its index in the original archive, while its data is the original's.
    orig: Option<usize>,
}

impl Entry {
    fn name(&self) -> String {
        String::from_utf8_lossy(&self.name).escape_debug().to_string()
    }

    /// How likely it is to be chosen: samples first, then what lists or describes them.
    fn weight(&self) -> usize {
        match self.name.as_slice() {
            n if n.starts_with(b"samples/") => 6,
            b"header.json" | b"_journal/start.json" | b"start.json" | b"results.json" => 2,
            b"summaries.json" => 2,
            n if n.starts_with(b"_journal/summaries/") => 1,
            _ => 1,
        }
    }
}

/// The archive as it will be written.
#[derive(Debug)]
struct Archive {
    entries: Vec<Entry>,
    /// A count of entries in the end record other than the true one.
    eocd_count: Option<u16>,
}

fn method_name(method: u16) -> &'static str {
    CompressionMethod::name_from_u16(method)
}

/// The entries of a zip as they are stored, or `None` if it is not one this module can rewrite.
fn open(data: &[u8]) -> Option<(ZipArchive<Cursor<&[u8]>>, Archive)> {
    let mut zip = ZipArchive::new(Cursor::new(data)).ok()?;
    let mut entries = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut f = zip.by_index_raw(i).ok()?;
        let method = match f.compression() {
            CompressionMethod::Stored => STORED,
            CompressionMethod::Deflated => DEFLATE,
            CompressionMethod::Zstd => ZSTD,
            _ => return None,
        };
        let declared = Declared {
            crc: f.crc32(),
            compressed: u32::try_from(f.compressed_size()).ok()?,
            size: u32::try_from(f.size()).ok()?,
        };
        let name = f.name_raw().to_vec();
        let mut data = Vec::new();
        f.read_to_end(&mut data).ok()?;
        let flags = if std::str::from_utf8(&name).is_ok_and(|n| !n.is_ascii()) { FLAG_UTF8 } else { 0 };
        entries.push(Entry { name, flags, method, data, local: declared, central: declared, orig: Some(i) });
    }
    Some((zip, Archive { entries, eocd_count: None }))
}

/// Compresses `plain` as a zip entry of `method` would hold it: the bytes and their CRC-32.
fn compress(method: u16, plain: &[u8]) -> Option<(Vec<u8>, u32)> {
    let m = match method {
        STORED => CompressionMethod::Stored,
        DEFLATE => CompressionMethod::Deflated,
        ZSTD => CompressionMethod::Zstd,
        _ => return None,
    };
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("entry", SimpleFileOptions::default().compression_method(m)).ok()?;
    w.write_all(plain).ok()?;
    let buf = w.finish().ok()?.into_inner();
    let mut zip = ZipArchive::new(Cursor::new(buf)).ok()?;
    let mut f = zip.by_index_raw(0).ok()?;
    let crc = f.crc32();
    let mut out = Vec::new();
    f.read_to_end(&mut out).ok()?;
    Some((out, crc))
}

/// Writes the archive: local headers and data, the central directory, the end record (no
/// data descriptors, no ZIP64: the sizes are what the entries declare).
fn write(archive: &Archive) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn declared(out: &mut Vec<u8>, d: Declared) {
        u32le(out, d.crc);
        u32le(out, d.compressed);
        u32le(out, d.size);
    }
    // 1980-01-01 00:00.
    const TIME: u16 = 0;
    const DATE: u16 = 0x21;
    let needs = |e: &Entry| if e.method == ZSTD { 63 } else { 20 };
    let name_len = |e: &Entry| u16::try_from(e.name.len()).unwrap_or(u16::MAX);
    let mut out = Vec::new();
    let mut offsets = Vec::with_capacity(archive.entries.len());
    for e in &archive.entries {
        offsets.push(u32::try_from(out.len()).unwrap_or(u32::MAX));
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, needs(e));
        u16le(&mut out, e.flags);
        u16le(&mut out, e.method);
        u16le(&mut out, TIME);
        u16le(&mut out, DATE);
        declared(&mut out, e.local);
        u16le(&mut out, name_len(e));
        u16le(&mut out, 0);
        out.extend_from_slice(&e.name[..usize::from(name_len(e))]);
        out.extend_from_slice(&e.data);
    }
    let cd_start = out.len();
    for (e, offset) in archive.entries.iter().zip(offsets) {
        u32le(&mut out, 0x0201_4b50);
        u16le(&mut out, 0x031e); // made by: Unix, 3.0
        u16le(&mut out, needs(e));
        u16le(&mut out, e.flags);
        u16le(&mut out, e.method);
        u16le(&mut out, TIME);
        u16le(&mut out, DATE);
        declared(&mut out, e.central);
        u16le(&mut out, name_len(e));
        u16le(&mut out, 0); // extra
        u16le(&mut out, 0); // comment
        u16le(&mut out, 0); // disk
        u16le(&mut out, 0); // internal attributes
        u32le(&mut out, 0o100_644 << 16); // external: a regular file
        u32le(&mut out, offset);
        out.extend_from_slice(&e.name[..usize::from(name_len(e))]);
    }
    let cd_len = out.len() - cd_start;
    let count = archive.eocd_count.unwrap_or_else(|| u16::try_from(archive.entries.len()).unwrap_or(u16::MAX));
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, count);
    u16le(&mut out, count);
    u32le(&mut out, u32::try_from(cd_len).unwrap_or(u32::MAX));
    u32le(&mut out, u32::try_from(cd_start).unwrap_or(u32::MAX));
    u16le(&mut out, 0);
    out
}

/// An index of `entries`, chosen by weight.
fn pick_entry(rng: &mut Rng, entries: &[Entry], weight: impl Fn(&Entry) -> usize) -> Option<usize> {
    let total: usize = entries.iter().map(&weight).sum();
    if total == 0 {
        return None;
    }
    let mut r = rng.below(total);
    for (i, e) in entries.iter().enumerate() {
        let w = weight(e);
        if r < w {
            return Some(i);
        }
        r -= w;
    }
    None
}

/// Mutates a `.eval` archive as a zip; `None` if `data` is not a zip this module can rewrite.
pub fn mutate(rng: &mut Rng, data: &[u8]) -> Option<Mutant> {
    let (mut zip, mut archive) = open(data)?;
    if archive.entries.is_empty() {
        return None;
    }
    let mut log = Vec::new();
    let n = 1 + rng.below(2);
    for _ in 0..n {
        if rng.chance(11, 20) {
            let Some(i) = pick_entry(rng, &archive.entries, Entry::weight) else { break };
            mutate_content(rng, &mut zip, &mut archive.entries[i], &mut log);
        } else {
            structural(rng, &mut zip, &mut archive, &mut log);
        }
    }
    if log.is_empty() {
        return None;
    }
    Some(Mutant { bytes: write(&archive), log })
}

/// Applies JSON-aware mutations (sometimes any mutation) to one entry's content, compressed
/// again with its method, the headers declaring the new sizes and checksum.
fn mutate_content(rng: &mut Rng, zip: &mut ZipArchive<Cursor<&[u8]>>, e: &mut Entry, log: &mut Vec<String>) {
    let Some(plain) = e.orig.and_then(|i| {
        let mut f = zip.by_index(i).ok()?;
        let mut out = Vec::new();
        f.read_to_end(&mut out).ok()?;
        Some(out)
    }) else {
        return;
    };
    let m = if rng.chance(1, 4) {
        mutate_plain(rng, &plain)
    } else {
        let mut m = Mutant { bytes: plain, log: Vec::new() };
        for _ in 0..1 + rng.below(3) {
            if !json_mutation(rng, &mut m) {
                break;
            }
        }
        m
    };
    let Some((data, crc)) = compress(e.method, &m.bytes) else { return };
    let Ok(size) = u32::try_from(m.bytes.len()) else { return };
    let declared = Declared { crc, compressed: u32::try_from(data.len()).unwrap_or(u32::MAX), size };
    (e.data, e.local, e.central, e.orig) = (data, declared, declared, None);
    log.push(format!("zip entry {} ({}): {}", e.name(), method_name(e.method), m.log.join("; ")));
}

fn structural(rng: &mut Rng, zip: &mut ZipArchive<Cursor<&[u8]>>, archive: &mut Archive, log: &mut Vec<String>) {
    let entries = &mut archive.entries;
    match rng.below(20) {
        0..=4 => {
            let Some(i) = pick_entry(rng, entries, Entry::weight) else { return };
            let (name, flags) = renamed(rng, &entries[i], entries);
            let old = entries[i].name();
            (entries[i].name, entries[i].flags) = (name, flags);
            log.push(format!("zip: renamed {old} to {} (flags {flags:#x})", entries[i].name()));
        }
        5..=8 => {
            if rng.chance(1, 8) {
                entries.retain(|e| !e.name.starts_with(b"samples/"));
                log.push("zip: dropped every sample entry".to_owned());
                return;
            }
            let weight = |e: &Entry| match e.name.as_slice() {
                n if n.starts_with(b"samples/") => 4,
                b"header.json" => 3,
                _ => 1,
            };
            let Some(i) = pick_entry(rng, entries, weight) else { return };
            let gone = entries.remove(i);
            log.push(format!("zip: dropped {}", gone.name()));
        }
        9..=11 => {
            let Some(i) = pick_entry(rng, entries, Entry::weight) else { return };
            let mut copy = entries[i].clone();
            let at = rng.below(entries.len() + 1);
            log.push(format!("zip: duplicated {} at {at}", copy.name()));
            if rng.chance(1, 3) {
                mutate_content(rng, zip, &mut copy, log);
            }
            entries.insert(at, copy);
        }
        12..=16 => {
            let Some(i) = pick_entry(rng, entries, Entry::weight) else { return };
            lie(rng, &mut entries[i], log);
        }
        17 => {
            let Some(i) = pick_entry(rng, entries, Entry::weight) else { return };
            let e = &mut entries[i];
            let old = e.method;
            e.method = *rng.pick(&[STORED, DEFLATE, ZSTD, 9, 12, 14, 95, 99, 0xffff]);
            log.push(format!("zip: {} declares method {} over {} data", e.name(), e.method, method_name(old)));
        }
        18 => {
            let Some(i) = pick_entry(rng, entries, Entry::weight) else { return };
            let e = &mut entries[i];
            let bit = *rng.pick(&[FLAG_ENCRYPTED, FLAG_DESCRIPTOR, FLAG_UTF8]);
            e.flags ^= bit;
            log.push(format!("zip: {} flags {:#x} (toggled {bit:#x})", e.name(), e.flags));
        }
        _ => {
            let n = entries.len();
            let count = *rng.pick(&[0, 1, n.saturating_sub(1), n + 1, 0xffff]);
            archive.eocd_count = Some(u16::try_from(count).unwrap_or(u16::MAX));
            log.push(format!("zip: the end record counts {count} entries of {n}"));
        }
    }
}

/// A damaged name for `e`, and its flags.
fn renamed(rng: &mut Rng, e: &Entry, entries: &[Entry]) -> (Vec<u8>, u16) {
    let name = String::from_utf8_lossy(&e.name).into_owned();
    let file = name.strip_prefix("samples/").unwrap_or(&name);
    let (id, epoch) = file
        .strip_suffix(".json")
        .and_then(|s| s.rsplit_once("_epoch_"))
        .map_or(("1".to_owned(), "1".to_owned()), |(i, e)| (i.to_owned(), e.to_owned()));
    let utf8 = |s: String| {
        let flags = if s.is_ascii() { 0 } else { FLAG_UTF8 };
        (s.into_bytes(), flags)
    };
    match rng.below(15) {
        0 => {
            let bad =
                *rng.pick(&["", "x", "-1", "1.5", "01", " 1", "1 ", "+1", "18446744073709551616", "\u{661}", "1e3"]);
            utf8(format!("samples/{id}_epoch_{bad}.json"))
        }
        1 => {
            let ext = *rng.pick(&["", ".JSON", ".json.tmp", ".jsonl", "json"]);
            utf8(format!("samples/{id}_epoch_{epoch}{ext}"))
        }
        2 => utf8(format!("samples/_epoch_{epoch}.json")),
        3 => utf8(format!("samples/sub/{id}_epoch_{epoch}.json")),
        4 => utf8("samples/".to_owned()),
        5 => {
            let p = *rng.pick(&["samples//", "../samples/", "/samples/", "./samples/", "samples\\", "samples/./"]);
            utf8(format!("{p}{file}"))
        }
        6 => {
            let u = *rng.pick(&["修复", "e\u{301}", "\u{202e}x", "a/../b", "🙂", "1_epoch_1", "\u{feff}1", "%2F"]);
            utf8(format!("samples/{u}_epoch_{epoch}.json"))
        }
        7 => {
            // Not UTF-8: with the UTF-8 flag, or without it (read as code page 437).
            let mut n = b"samples/".to_vec();
            let bad: [&[u8]; 4] = [b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x80"];
            let b: &&[u8] = rng.pick(&bad);
            n.extend_from_slice(b);
            n.extend_from_slice(format!("{id}_epoch_{epoch}.json").as_bytes());
            (n, if rng.chance(1, 2) { FLAG_UTF8 } else { 0 })
        }
        8 => utf8(format!("samples/{id}\0_epoch_{epoch}.json")),
        9 => {
            // Another entry's name: two entries under one name.
            let other = &entries[rng.below(entries.len())];
            (other.name.clone(), other.flags)
        }
        10 => {
            let mut chars = name.chars();
            let first: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
            utf8(if rng.chance(1, 2) { first } else { name.to_ascii_uppercase() })
        }
        11 => utf8(format!("samples/{}_epoch_{epoch}.json", "a".repeat(*rng.pick(&[255, 1000, 65_600])))),
        12 => utf8(String::new()),
        13 => {
            // A well-formed name the summaries do not list.
            let other = *rng.pick(&["0", "999", "18446744073709551615"]);
            if rng.chance(1, 2) {
                utf8(format!("samples/{id}x_epoch_{epoch}.json"))
            } else {
                utf8(format!("samples/{id}_epoch_{other}.json"))
            }
        }
        _ => {
            let other = *rng.pick(&["header.json", "summaries.json", "_journal/start.json", "reductions.json"]);
            utf8(other.to_owned())
        }
    }
}

/// A size, compressed size or checksum that lies, in the local header, the central directory
/// or both.
fn lie(rng: &mut Rng, e: &mut Entry, log: &mut Vec<String>) {
    let truth = e.central;
    let (field, value) = match rng.below(10) {
        0..=4 => {
            let s = truth.size;
            let v = *rng.pick(&[
                0,
                1,
                s.saturating_sub(1),
                s / 2,
                s.saturating_add(1),
                s.saturating_mul(2),
                u32::MAX,
                u32::MAX - 1,
                0x7fff_ffff,
            ]);
            ("size", v)
        }
        5..=7 => {
            let c = truth.compressed;
            let v = *rng.pick(&[0, c.saturating_sub(1), c / 2, c.saturating_add(1), c.saturating_add(4096), u32::MAX]);
            ("compressed size", v)
        }
        _ => ("crc", *rng.pick(&[0, truth.crc ^ 1, u32::MAX])),
    };
    let set = |d: &mut Declared| match field {
        "size" => d.size = value,
        "compressed size" => d.compressed = value,
        _ => d.crc = value,
    };
    let place = match rng.below(4) {
        0 | 1 => {
            set(&mut e.central);
            "central directory"
        }
        2 => {
            set(&mut e.local);
            "local header"
        }
        _ => {
            set(&mut e.central);
            set(&mut e.local);
            "both headers"
        }
    };
    log.push(format!("zip: {} declares {field} {value} in the {place} (true: {truth:?})", e.name()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        fs_err::read(crate::repo_root().join("fixtures/formats/inspect").join(name)).unwrap()
    }

    /// Every entry's name, method and content.
    fn contents(data: &[u8]) -> Vec<(String, CompressionMethod, Vec<u8>)> {
        let mut zip = ZipArchive::new(Cursor::new(data)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).unwrap();
                let mut out = Vec::new();
                f.read_to_end(&mut out).unwrap();
                (f.name().unwrap().into_owned(), f.compression(), out)
            })
            .collect()
    }

    #[test]
    fn an_archive_written_again_unchanged_reads_the_same() {
        for name in ["current-bash.eval", "log_streaming.eval"] {
            let data = fixture(name);
            let (_, archive) = open(&data).unwrap();
            assert_eq!(contents(&write(&archive)), contents(&data), "{name}");
        }
    }

    #[test]
    fn a_mutated_entry_keeps_its_method_and_a_valid_checksum() {
        for (name, method) in
            [("current-bash.eval", CompressionMethod::Zstd), ("log_formats.eval", CompressionMethod::Deflated)]
        {
            let data = fixture(name);
            let orig = contents(&data);
            let mut changed = 0;
            for seed in 0..40 {
                let mut rng = Rng::new(seed);
                let (mut zip, mut archive) = open(&data).unwrap();
                let mut log = Vec::new();
                let i = pick_entry(&mut rng, &archive.entries, Entry::weight).unwrap();
                mutate_content(&mut rng, &mut zip, &mut archive.entries[i], &mut log);
                // Every entry still decompresses and passes its checksum.
                let now = contents(&write(&archive));
                assert!(now.iter().all(|(_, m, _)| *m == method), "{name} {seed}");
                assert_eq!(now.len(), orig.len());
                changed += usize::from(now != orig);
            }
            assert!(changed > 30, "{name}: {changed}");
        }
    }

    #[test]
    fn mutants_are_reproducible_and_cover_every_kind() {
        let data = fixture("log_streaming.eval");
        let a = mutate(&mut Rng::new(9), &data).unwrap();
        let b = mutate(&mut Rng::new(9), &data).unwrap();
        assert_eq!((a.bytes, a.log), (b.bytes, b.log));
        let logs: Vec<String> = (0..400).filter_map(|s| mutate(&mut Rng::new(s), &data)).flat_map(|m| m.log).collect();
        for kind in [
            "zip entry ",
            "renamed",
            "dropped",
            "duplicated",
            "declares size",
            "declares method",
            "flags",
            "end record",
        ] {
            assert!(logs.iter().any(|l| l.contains(kind)), "no {kind:?} in 400 mutants");
        }
    }
}
