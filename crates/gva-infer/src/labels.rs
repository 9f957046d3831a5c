//! Label lists: from a labels file (one label a line) or a comma list (the `labels` property).
//!
//! The index of a label is its class id, so a labels file keeps its empty lines (an empty label
//! still holds its index) and drops only the empty lines at its end, which editors add.

use std::path::{Path, PathBuf};

/// A labels file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read labels file '{}': {source}", path.display())]
pub struct LabelsFileError {
    /// The file, as it was opened.
    pub path: PathBuf,
    /// Why it could not be read (missing, unreadable, not UTF-8).
    #[source]
    pub source: std::io::Error,
}

/// Labels of a labels file: one a line, `\n` or `\r\n` endings, trailing empty lines dropped.
pub fn read_file(path: &Path) -> Result<Vec<String>, LabelsFileError> {
    std::fs::read_to_string(path)
        .map(|text| parse_lines(&text))
        .map_err(|source| LabelsFileError {
            path: path.to_path_buf(),
            source,
        })
}

/// Labels of a labels file's text: one a line; the empty lines at the end are dropped.
pub fn parse_lines(text: &str) -> Vec<String> {
    let mut labels: Vec<String> = text
        .lines()
        .map(|line| line.strip_suffix('\r').unwrap_or(line).to_owned())
        .collect();
    while labels.last().is_some_and(|l| l.trim().is_empty()) {
        labels.pop();
    }
    labels
}

/// Labels of a comma list such as the element property `labels="cat,dog, bird"`: each item
/// trimmed of surrounding white space; an empty or blank text gives no labels.
pub fn parse_list(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    text.split(',').map(|l| l.trim().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_inner_empty_lines_and_drop_trailing_ones() {
        assert_eq!(parse_lines("a\r\n\nc\n\n\n"), ["a", "", "c"]);
        assert_eq!(
            parse_lines("traffic light\nstop sign"),
            ["traffic light", "stop sign"]
        );
        assert!(parse_lines("").is_empty());
    }

    #[test]
    fn comma_list_is_trimmed() {
        assert_eq!(parse_list("cat, dog ,bird"), ["cat", "dog", "bird"]);
        assert_eq!(parse_list("a,,b"), ["a", "", "b"]);
        assert!(parse_list("  ").is_empty());
    }
}
