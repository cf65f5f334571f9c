//! Where this machine keeps each downloaded PDF: the `pdfs` tree of the list Db, paper id →
//! JSON `{"path": …, "saved_at": …, "bytes": …}`. Per machine like the PDFs themselves, so it is
//! never journaled; a record whose file is gone simply stops counting (`has:pdf`, `O`).
//! A few hundred entries at most, so whole-tree reads are fine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, sled_error};
use crate::model::PaperId;

/// The tree's name in the list Db (new in schema v6).
pub const PDFS_TREE: &str = "pdfs";

/// One downloaded PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPdf {
    pub path: PathBuf,
    pub saved_at: DateTime<Utc>,
    pub bytes: u64,
}

impl SavedPdf {
    /// True while the file is still there.
    pub fn exists(&self) -> bool {
        self.path.is_file()
    }
}

impl Store {
    fn pdfs_tree(&self) -> Result<sled::Tree, StoreError> {
        let dir = &self.inner.dir;
        self.inner
            .list
            .db
            .open_tree(PDFS_TREE)
            .map_err(|e| sled_error(dir, e))
    }

    /// The PDF recorded for `id` (whether or not its file still exists).
    pub fn saved_pdf(&self, id: &PaperId) -> Result<Option<SavedPdf>, StoreError> {
        let value = self
            .pdfs_tree()?
            .get(id.as_str().as_bytes())
            .map_err(|e| sled_error(&self.inner.dir, e))?;
        Ok(value.and_then(|value| decode(id, &value)))
    }

    /// The PDF recorded for `id` when its file still exists.
    pub fn existing_pdf(&self, id: &PaperId) -> Result<Option<PathBuf>, StoreError> {
        Ok(self
            .saved_pdf(id)?
            .filter(SavedPdf::exists)
            .map(|saved| saved.path))
    }

    /// Records (durably) where `id`'s PDF was saved.
    pub fn set_saved_pdf(&self, id: &PaperId, saved: &SavedPdf) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let value = serde_json::to_vec(saved)
            .map_err(|e| StoreError::Sled(format!("encoding a PDF record: {e}")))?;
        self.pdfs_tree()?
            .insert(id.as_str().as_bytes(), value)
            .map_err(|e| sled_error(dir, e))?;
        self.inner.list.db.flush().map_err(|e| sled_error(dir, e))?;
        Ok(())
    }

    /// Every recorded PDF whose file still exists.
    pub fn existing_pdfs(&self) -> Result<HashMap<PaperId, PathBuf>, StoreError> {
        let mut out = HashMap::new();
        for entry in self.pdfs_tree()?.iter() {
            let (key, value) = entry.map_err(|e| sled_error(&self.inner.dir, e))?;
            let Ok(id) = std::str::from_utf8(&key) else {
                continue;
            };
            let id = PaperId::from_stored(id.to_string());
            if let Some(saved) = decode(&id, &value).filter(SavedPdf::exists) {
                out.insert(id, saved.path);
            }
        }
        Ok(out)
    }

    /// The paper whose recorded PDF is `path`, if any.
    pub fn pdf_owner(&self, path: &Path) -> Result<Option<PaperId>, StoreError> {
        for entry in self.pdfs_tree()?.iter() {
            let (key, value) = entry.map_err(|e| sled_error(&self.inner.dir, e))?;
            let Ok(id) = std::str::from_utf8(&key) else {
                continue;
            };
            let id = PaperId::from_stored(id.to_string());
            if decode(&id, &value).is_some_and(|saved| saved.path == path) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }
}

/// An unreadable record is no record: at worst the PDF is downloaded again.
fn decode(id: &PaperId, value: &[u8]) -> Option<SavedPdf> {
    match serde_json::from_slice(value) {
        Ok(saved) => Some(saved),
        Err(error) => {
            tracing::warn!(%id, %error, "unreadable PDF record; ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_a_reopen_and_count_only_while_the_file_exists() {
        let dir = tempfile::TempDir::new().unwrap();
        let pdf = dir.path().join("Lovelace2025-sparse.pdf");
        std::fs::write(&pdf, b"%PDF-1.7\n").unwrap();
        let id = PaperId::from_stored("2504.00001".into());
        let saved = SavedPdf {
            path: pdf.clone(),
            saved_at: Utc::now(),
            bytes: 9,
        };
        {
            let store = Store::open(&dir.path().join("data")).unwrap();
            assert_eq!(store.saved_pdf(&id).unwrap(), None);
            store.set_saved_pdf(&id, &saved).unwrap();
        }
        let store = Store::open(&dir.path().join("data")).unwrap();
        assert_eq!(store.saved_pdf(&id).unwrap(), Some(saved));
        assert_eq!(store.existing_pdf(&id).unwrap(), Some(pdf.clone()));
        assert_eq!(store.pdf_owner(&pdf).unwrap(), Some(id.clone()));
        assert_eq!(store.existing_pdfs().unwrap().len(), 1);
        std::fs::remove_file(&pdf).unwrap();
        assert_eq!(store.existing_pdf(&id).unwrap(), None);
        assert!(store.existing_pdfs().unwrap().is_empty());
    }
}
