//! `method=file`: records to a file or to stdout, as a JSON array or as JSON Lines.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};

use super::publisher::{PublishError, Publisher};
use super::settings::FileFormat;

/// The `file-path` that means the process's standard output.
pub const STDOUT: &str = "stdout";

/// Writes records to a file (or stdout) with DL Streamer's framing.
///
/// - `json` to a file: truncated at start, `[` first, records joined by `,\n`, `]` + `\n` when
///   finished, so the file is a JSON array even with no records or after an early stop.
/// - `json-lines` to a file: opened for append; each record followed by `\n`.
/// - stdout: no `[` / `]` (as DL Streamer); `json` joins records with `,\n` and ends with `\n`.
///
/// Each record is written with one `write` call and flushed, so a reader sees whole records.
pub struct FilePublisher {
    output: Output,
    path: String,
    format: FileFormat,
    records: u64,
    finished: bool,
    line: Vec<u8>,
}

enum Output {
    File(File),
    Stdout,
}

impl FilePublisher {
    /// Opens `path` (or stdout for [`STDOUT`]) for `format`; fails with the path in the message.
    pub fn open(path: &str, format: FileFormat) -> Result<Self, PublishError> {
        if path.is_empty() {
            return Err(PublishError::settings(
                "file-path is empty: give a file path or \"stdout\"",
            ));
        }
        let output = if path == STDOUT {
            Output::Stdout
        } else {
            let mut options = OpenOptions::new();
            match format {
                FileFormat::Json => options.write(true).create(true).truncate(true),
                FileFormat::JsonLines => options.append(true).create(true),
            };
            let file = options.open(path).map_err(|e| {
                PublishError::open(format!("could not open {path} for writing: {e}"))
            })?;
            Output::File(file)
        };
        let mut publisher = Self {
            output,
            path: path.to_owned(),
            format,
            records: 0,
            finished: false,
            line: Vec::new(),
        };
        if format == FileFormat::Json && !publisher.is_stdout() {
            publisher
                .write(b"[")
                .map_err(|e| PublishError::open(format!("could not write to {path}: {e}")))?;
        }
        Ok(publisher)
    }

    fn is_stdout(&self) -> bool {
        matches!(self.output, Output::Stdout)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.output {
            Output::File(file) => file.write_all(bytes),
            Output::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()
            }
        }
    }
}

impl Publisher for FilePublisher {
    fn publish(&mut self, record: &str) -> Result<(), PublishError> {
        if self.finished {
            return Err(PublishError::write(format!(
                "a record arrived after the output to {} was finished (end of stream)",
                self.path
            )));
        }
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        match self.format {
            FileFormat::Json => {
                if self.records > 0 {
                    line.extend_from_slice(b",\n");
                }
                line.extend_from_slice(record.as_bytes());
            }
            FileFormat::JsonLines => {
                line.extend_from_slice(record.as_bytes());
                line.push(b'\n');
            }
        }
        let written = self.write(&line);
        self.line = line;
        written.map_err(|e| {
            PublishError::write(format!(
                "could not write record {} to {}: {e}",
                self.records + 1,
                self.path
            ))
        })?;
        self.records += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), PublishError> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let end: &[u8] = match (self.format, self.is_stdout()) {
            (FileFormat::Json, false) => b"]\n",
            (FileFormat::Json, true) if self.records > 0 => b"\n",
            _ => b"",
        };
        if !end.is_empty() {
            self.write(end)
                .map_err(|e| PublishError::write(format!("could not finish {}: {e}", self.path)))?;
        }
        Ok(())
    }
}

impl Drop for FilePublisher {
    fn drop(&mut self) {
        // The element always finishes first; this keeps the JSON array closed if it did not.
        let _ = self.finish();
    }
}
