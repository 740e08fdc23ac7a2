//! Where an export goes and in which format, decided once for every face: `~` expanded, the
//! format taken from a known extension (`.json`, `.csv`) when none is asked for, and a format
//! asked for that contradicts the file's extension refused rather than written into it.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::ExportFormat;

/// An export's destination, settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTarget {
    /// `None`: standard output (no `--output`, or `-`).
    pub path: Option<PathBuf>,
    pub format: ExportFormat,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TargetError {
    #[error(
        "{path} ends in .{extension}, but --format {asked} was given: name the file .{asked}, or leave out --format (it follows the extension)"
    )]
    Conflict {
        path: String,
        extension: &'static str,
        asked: &'static str,
    },
}

/// The format a file's extension names, when it names one we write.
pub fn format_of(path: &Path) -> Option<ExportFormat> {
    let ext = path.extension()?.to_str()?;
    ExportFormat::ALL
        .into_iter()
        .find(|f| f.id().eq_ignore_ascii_case(ext))
}

/// The export's file (`output`, `-` for standard output) and format (`asked`, else the
/// extension's, else CSV).
pub fn export_target(
    output: Option<&Path>,
    asked: Option<ExportFormat>,
) -> Result<ExportTarget, TargetError> {
    let path = output
        .filter(|p| p.as_os_str() != "-")
        .map(crate::files::expand_home);
    let by_name = path.as_deref().and_then(format_of);
    let format = match (asked, by_name) {
        (Some(a), Some(n)) if a != n => {
            return Err(TargetError::Conflict {
                path: path
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                extension: n.id(),
                asked: a.id(),
            });
        }
        (Some(a), _) => a,
        (None, Some(n)) => n,
        (None, None) => ExportFormat::Csv,
    };
    Ok(ExportTarget { path, format })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_names_the_format_unless_it_contradicts_the_flag() {
        let t = |o: Option<&str>, f| export_target(o.map(Path::new), f);
        assert_eq!(
            t(Some("guess.json"), None).unwrap().format,
            ExportFormat::Json
        );
        assert_eq!(
            t(Some("GUESS.CSV"), None).unwrap().format,
            ExportFormat::Csv
        );
        assert_eq!(
            t(Some("users.txt"), None).unwrap().format,
            ExportFormat::Csv
        );
        assert_eq!(
            t(Some("users.txt"), Some(ExportFormat::Json))
                .unwrap()
                .format,
            ExportFormat::Json
        );
        assert_eq!(
            t(None, None).unwrap(),
            ExportTarget {
                path: None,
                format: ExportFormat::Csv
            }
        );
        assert_eq!(t(Some("-"), Some(ExportFormat::Json)).unwrap().path, None);
        let err = t(Some("guess.json"), Some(ExportFormat::Csv)).unwrap_err();
        assert!(err.to_string().contains("--format csv"), "{err}");
    }

    #[test]
    fn a_tilde_is_the_home_folder() {
        let home = directories::BaseDirs::new()
            .unwrap()
            .home_dir()
            .to_path_buf();
        let t = export_target(Some(Path::new("~/x.json")), None).unwrap();
        assert_eq!(t.path, Some(home.join("x.json")));
        assert_eq!(t.format, ExportFormat::Json);
    }
}
