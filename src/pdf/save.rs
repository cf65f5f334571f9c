//! Writing a downloaded PDF to disk so that only a whole, real PDF ever appears under its name:
//! the body streams into a temp file in the target dir, is checked (starts with `%PDF`, within
//! the size cap, read to its end), synced, and only then renamed, never over another file. Any
//! failure drops the temp file, so nothing is left behind.
//!
//! Blocking code: run it on a blocking thread. The writer is a seam (`save_via`) so a test can
//! make the disk "fill up" half way.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use super::PdfError;
use super::name::candidate;

/// The bytes every PDF starts with.
const PDF_MAGIC: &[u8] = b"%PDF";
/// Progress is reported after about this many bytes.
const PROGRESS_STEP: u64 = 512 * 1024;
/// A name collision is resolved by at most this many numbered tries.
const MAX_SUFFIX: usize = 1000;

/// Where a PDF ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub path: PathBuf,
    pub bytes: u64,
    /// An identical file was already there under a candidate name and is kept instead.
    pub reused: bool,
}

/// What the saver needs to know about names already taken.
pub trait NameOwner {
    /// True when `path` is recorded as another paper's PDF (never reused, never compared).
    fn belongs_to_another(&self, path: &Path) -> bool;
}

impl<F: Fn(&Path) -> bool> NameOwner for F {
    fn belongs_to_another(&self, path: &Path) -> bool {
        self(path)
    }
}

/// Saves `body` as `{dir}/{stem}.pdf` (or `{stem}-2.pdf` … when a different file has the name).
pub fn save(
    body: &mut dyn Read,
    dir: &Path,
    stem: &str,
    cap: u64,
    owners: &dyn NameOwner,
    progress: &mut dyn FnMut(u64),
) -> Result<Placed, PdfError> {
    save_via(body, dir, stem, cap, owners, progress, &mut |file| {
        Box::new(file)
    })
}

/// `save`, writing through `writer` (the seam tests use to fail writes).
pub fn save_via(
    body: &mut dyn Read,
    dir: &Path,
    stem: &str,
    cap: u64,
    owners: &dyn NameOwner,
    progress: &mut dyn FnMut(u64),
    writer: &mut dyn for<'a> FnMut(&'a mut File) -> Box<dyn Write + 'a>,
) -> Result<Placed, PdfError> {
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".paperboat-")
        .suffix(".pdf.part")
        .tempfile_in(dir)
        .map_err(|e| write_error(dir, e))?;
    let bytes = {
        let mut out = writer(temp.as_file_mut());
        let bytes = copy_pdf(body, &mut out, cap, progress).map_err(|e| match e {
            CopyError::Write(io) => write_error(dir, io),
            CopyError::Pdf(pdf) => pdf,
        })?;
        out.flush().map_err(|e| write_error(dir, e))?;
        bytes
    };
    temp.as_file().sync_all().map_err(|e| write_error(dir, e))?;
    for n in 0..MAX_SUFFIX {
        let path = dir.join(candidate(stem, n));
        if path.exists() {
            if !owners.belongs_to_another(&path) && same_contents(temp.path(), &path) {
                return Ok(Placed {
                    path,
                    bytes,
                    reused: true,
                });
            }
            continue;
        }
        match temp.persist_noclobber(&path) {
            Ok(_) => {
                sync_dir(dir);
                return Ok(Placed {
                    path,
                    bytes,
                    reused: false,
                });
            }
            // Taken between the check and the rename: try the next name.
            Err(error) if error.error.kind() == ErrorKind::AlreadyExists => temp = error.file,
            Err(error) => return Err(write_error(dir, error.error)),
        }
    }
    Err(write_error(
        dir,
        std::io::Error::other(format!("{MAX_SUFFIX} files named {stem}-N.pdf already")),
    ))
}

/// Why a copy stopped.
#[derive(Debug)]
pub enum CopyError {
    /// The destination refused bytes (a full disk, a lost mount).
    Write(std::io::Error),
    /// The body is not what was asked for (not a PDF, too large, cut off).
    Pdf(PdfError),
}

/// Copies `body` to `out`, checking it starts with `%PDF` and stays within `cap` bytes.
pub fn copy_pdf(
    body: &mut dyn Read,
    out: &mut dyn Write,
    cap: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, CopyError> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut head: Vec<u8> = Vec::with_capacity(PDF_MAGIC.len());
    let mut total: u64 = 0;
    let mut reported: u64 = 0;
    loop {
        let n = match body.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(CopyError::Pdf(PdfError::Body(error.to_string()))),
        };
        let chunk = &buffer[..n];
        if head.len() < PDF_MAGIC.len() {
            let wanted = (PDF_MAGIC.len() - head.len()).min(n);
            head.extend_from_slice(&chunk[..wanted]);
            if !PDF_MAGIC.starts_with(&head) {
                return Err(CopyError::Pdf(not_a_pdf(&head, chunk)));
            }
        }
        total = total.saturating_add(n as u64);
        if total > cap {
            return Err(CopyError::Pdf(PdfError::TooLarge { cap }));
        }
        out.write_all(chunk).map_err(CopyError::Write)?;
        if total - reported >= PROGRESS_STEP {
            reported = total;
            progress(total);
        }
    }
    if head.as_slice() != PDF_MAGIC {
        return Err(CopyError::Pdf(not_a_pdf(&head, &head)));
    }
    Ok(total)
}

fn not_a_pdf(head: &[u8], chunk: &[u8]) -> PdfError {
    let start = chunk
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|at| &chunk[at..])
        .unwrap_or_default();
    PdfError::NotPdf {
        web_page: start.first() == Some(&b'<'),
        empty: head.is_empty(),
    }
}

fn same_contents(a: &Path, b: &Path) -> bool {
    let (Ok(meta_a), Ok(meta_b)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if meta_a.len() != meta_b.len() || !meta_b.is_file() {
        return false;
    }
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Makes the rename durable; a failure here only weakens the guarantee after a power cut.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

fn write_error(dir: &Path, error: std::io::Error) -> PdfError {
    PdfError::Write {
        dir: dir.to_path_buf(),
        detail: without_os_code(&error.to_string()),
    }
}

fn without_os_code(detail: &str) -> String {
    match detail.find(" (os error") {
        Some(at) => detail[..at].to_string(),
        None => detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf_bytes(len: usize) -> Vec<u8> {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.resize(len, b'x');
        bytes
    }

    fn nobody(_: &Path) -> bool {
        false
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_pdf_is_saved_under_its_name_and_a_different_file_is_never_overwritten() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("Ada2025-x.pdf"), b"my own notes").unwrap();
        let body = pdf_bytes(2_000_000);
        let mut seen = Vec::new();
        let placed = save(
            &mut body.as_slice(),
            dir.path(),
            "Ada2025-x",
            10_000_000,
            &nobody,
            &mut |n| seen.push(n),
        )
        .unwrap();
        assert_eq!(placed.path, dir.path().join("Ada2025-x-2.pdf"));
        assert_eq!(placed.bytes, 2_000_000);
        assert!(!placed.reused);
        assert!(!seen.is_empty());
        assert_eq!(std::fs::read(&placed.path).unwrap(), body);
        assert_eq!(
            std::fs::read(dir.path().join("Ada2025-x.pdf")).unwrap(),
            b"my own notes"
        );
        // The same bytes again: the file already there is kept, no third copy.
        let again = save(
            &mut body.as_slice(),
            dir.path(),
            "Ada2025-x",
            10_000_000,
            &nobody,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(again.path, placed.path);
        assert!(again.reused);
        // The same bytes under another paper's recorded name are not that paper's file.
        let owned = save(
            &mut body.as_slice(),
            dir.path(),
            "Ada2025-x",
            10_000_000,
            &|p: &Path| p.ends_with("Ada2025-x-2.pdf"),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(owned.path, dir.path().join("Ada2025-x-3.pdf"));
        assert_eq!(
            files_in(dir.path()),
            ["Ada2025-x-2.pdf", "Ada2025-x-3.pdf", "Ada2025-x.pdf"]
        );
    }

    #[test]
    fn html_empty_and_oversized_bodies_leave_no_file() {
        let dir = tempfile::TempDir::new().unwrap();
        let html = b"\n  <!DOCTYPE html><html>Just a moment...</html>".to_vec();
        let error = save(
            &mut html.as_slice(),
            dir.path(),
            "A",
            1000,
            &nobody,
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(
            error,
            PdfError::NotPdf {
                web_page: true,
                empty: false
            }
        );
        let error = save(&mut &b""[..], dir.path(), "A", 1000, &nobody, &mut |_| {}).unwrap_err();
        assert_eq!(
            error,
            PdfError::NotPdf {
                web_page: false,
                empty: true
            }
        );
        let error = save(&mut &b"%P"[..], dir.path(), "A", 1000, &nobody, &mut |_| {}).unwrap_err();
        assert!(matches!(error, PdfError::NotPdf { .. }));
        let big = pdf_bytes(5000);
        let error = save(
            &mut big.as_slice(),
            dir.path(),
            "A",
            4096,
            &nobody,
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(error, PdfError::TooLarge { cap: 4096 });
        assert!(
            files_in(dir.path()).is_empty(),
            "{:?}",
            files_in(dir.path())
        );
    }

    /// Accepts `room` bytes, then fails as a full disk does.
    struct FullDisk<'a> {
        file: &'a mut File,
        room: usize,
    }

    impl Write for FullDisk<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::from(ErrorKind::StorageFull));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.file.write(&buf[..n])
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.file.flush()
        }
    }

    #[test]
    fn a_full_disk_leaves_no_file_and_says_so() {
        let dir = tempfile::TempDir::new().unwrap();
        let body = pdf_bytes(300_000);
        let error = save_via(
            &mut body.as_slice(),
            dir.path(),
            "A",
            1_000_000,
            &nobody,
            &mut |_| {},
            &mut |file| {
                Box::new(FullDisk {
                    file,
                    room: 100_000,
                })
            },
        )
        .unwrap_err();
        let PdfError::Write { detail, .. } = &error else {
            panic!("{error:?}");
        };
        assert!(detail.contains("space"), "{detail}");
        assert!(
            files_in(dir.path()).is_empty(),
            "{:?}",
            files_in(dir.path())
        );
    }

    #[test]
    fn a_read_error_mid_body_leaves_no_file() {
        struct CutOff(usize);
        impl Read for CutOff {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("connection closed"));
                }
                let n = out.len().min(self.0);
                out[..n].fill(b'x');
                out[..4].copy_from_slice(b"%PDF");
                self.0 -= n;
                Ok(n)
            }
        }
        let dir = tempfile::TempDir::new().unwrap();
        let error = save(
            &mut CutOff(10_000),
            dir.path(),
            "A",
            1_000_000,
            &nobody,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(error, PdfError::Body(_)), "{error:?}");
        assert!(files_in(dir.path()).is_empty());
    }
}
