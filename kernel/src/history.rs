//! Input history, kept across kernel restarts in the user's data directory
//! (`$XDG_DATA_HOME/ladder/history.jsonl`): one JSON line per stored cell.

use crate::messages::HistoryRequest;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub session: i64,
    pub line: u64,
    pub input: String,
    #[serde(default)]
    pub output: Option<String>,
}

pub struct History {
    path: Option<PathBuf>,
    file: Option<File>,
    /// This kernel's session number: one more than the last one on file.
    session: i64,
    current: Vec<Entry>,
    /// Entries of earlier sessions, read on the first request that needs them (start-up
    /// only reads the file's last line).
    earlier: Option<Vec<Entry>>,
}

impl History {
    /// The history file in the user's data directory; in memory only when there is none.
    pub fn open_default() -> Self {
        match dirs::data_dir() {
            Some(dir) => Self::open(&dir.join("ladder").join("history.jsonl")),
            None => Self::in_memory(),
        }
    }

    pub fn in_memory() -> Self {
        Self {
            path: None,
            file: None,
            session: 1,
            current: Vec::new(),
            earlier: Some(Vec::new()),
        }
    }

    pub fn open(path: &Path) -> Self {
        let opened = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .read(true)
                    .open(path)
            });
        match opened {
            Ok(mut file) => Self {
                session: last_session(&mut file) + 1,
                path: Some(path.to_path_buf()),
                file: Some(file),
                current: Vec::new(),
                earlier: None,
            },
            Err(e) => {
                eprintln!(
                    "ladder kernel: history kept in memory only ({}: {e})",
                    path.display()
                );
                Self::in_memory()
            }
        }
    }

    pub fn session(&self) -> i64 {
        self.session
    }

    /// Store one executed cell (and the text of its result, if any).
    pub fn record(&mut self, line: u64, input: &str, output: Option<String>) {
        let entry = Entry {
            session: self.session,
            line,
            input: input.to_string(),
            output,
        };
        if let Some(file) = &mut self.file {
            let mut text = serde_json::to_string(&entry).expect("entries serialize");
            text.push('\n');
            if let Err(e) = file.write_all(text.as_bytes()) {
                eprintln!("ladder kernel: could not save history: {e}");
            }
        }
        self.current.push(entry);
    }

    /// Answer a `history_request`: `[session, line, input]` triples (input and output pairs
    /// when `output` is asked for), oldest first.
    pub fn reply(&mut self, request: &HistoryRequest) -> Vec<Value> {
        let entries = match request.hist_access_type.as_str() {
            "tail" => self.tail(request.n.unwrap_or(10)),
            "range" => self.range(
                request.session.unwrap_or(0),
                request.start.unwrap_or(0),
                request.stop,
            ),
            "search" => self.search(
                request.pattern.as_deref().unwrap_or("*"),
                request.n,
                request.unique,
            ),
            _ => Vec::new(),
        };
        entries
            .into_iter()
            .map(|e| match request.output {
                true => json!([e.session, e.line, [e.input, e.output]]),
                false => json!([e.session, e.line, e.input]),
            })
            .collect()
    }

    /// The last `n` cells across all sessions.
    pub fn tail(&mut self, n: usize) -> Vec<Entry> {
        let all = self.all();
        all[all.len().saturating_sub(n)..].to_vec()
    }

    /// Cells `start..stop` (stop excluded, `None` = to the end) of a session: a positive
    /// number, or 0 for this one and negative numbers counting back from it.
    pub fn range(&mut self, session: i64, start: i64, stop: Option<i64>) -> Vec<Entry> {
        let session = if session > 0 {
            session
        } else {
            self.session + session
        };
        self.all()
            .into_iter()
            .filter(|e| e.session == session)
            .filter(|e| e.line as i64 >= start && stop.is_none_or(|stop| (e.line as i64) < stop))
            .collect()
    }

    /// Cells whose input matches a glob (`*`, `?`); the latest `n` when given; with
    /// `unique`, each distinct input once (its latest run).
    pub fn search(&mut self, pattern: &str, n: Option<usize>, unique: bool) -> Vec<Entry> {
        let pattern: Vec<char> = pattern.chars().collect();
        let mut found: Vec<Entry> = self
            .all()
            .into_iter()
            .filter(|e| glob_match(&pattern, &e.input.chars().collect::<Vec<_>>()))
            .collect();
        if unique {
            let mut seen = std::collections::HashSet::new();
            found.reverse();
            found.retain(|e| seen.insert(e.input.clone()));
            found.reverse();
        }
        let keep = n.unwrap_or(found.len()).min(found.len());
        found.split_off(found.len() - keep)
    }

    fn all(&mut self) -> Vec<Entry> {
        if self.earlier.is_none() {
            self.earlier = Some(self.read_earlier());
        }
        let mut all = self.earlier.clone().unwrap_or_default();
        all.extend(self.current.iter().cloned());
        all
    }

    fn read_earlier(&self) -> Vec<Entry> {
        let Some(Ok(file)) = self.path.as_ref().map(File::open) else {
            return Vec::new();
        };
        BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<Entry>(&line).ok())
            .filter(|e| e.session != self.session)
            .collect()
    }
}

/// The session number of the file's last entry (0 when empty), reading only its end.
fn last_session(file: &mut File) -> i64 {
    let len = file.seek(SeekFrom::End(0)).unwrap_or(0);
    let from = len.saturating_sub(64 * 1024);
    let mut tail = String::new();
    if file.seek(SeekFrom::Start(from)).is_err() || file.read_to_string(&mut tail).is_err() {
        return 0;
    }
    tail.lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Entry>(line).ok())
        .map_or(0, |e| e.session)
}

/// Glob matching over characters: `*` any run, `?` any one character.
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, t: &str) -> bool {
        glob_match(
            &p.chars().collect::<Vec<_>>(),
            &t.chars().collect::<Vec<_>>(),
        )
    }

    #[test]
    fn globs_match_like_sqlite_glob() {
        assert!(glob("1 + *", "1 + 2"));
        assert!(glob("*é?", "café!"));
        assert!(!glob("1 + ?", "1 + 22"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "acbd"));
    }

    #[test]
    fn history_survives_a_restart_and_answers_tail_range_and_search() {
        let dir = std::env::temp_dir().join(format!("ladder-history-{}", uuid::Uuid::new_v4()));
        let path = dir.join("history.jsonl");
        let mut first = History::open(&path);
        assert_eq!(first.session(), 1);
        first.record(1, "let a = 1;", None);
        first.record(2, "a + 1", Some("2".into()));
        drop(first);

        let mut second = History::open(&path);
        assert_eq!(second.session(), 2);
        second.record(1, "a + 1", None);
        let tail = second.tail(2);
        assert_eq!((tail[0].session, tail[0].line), (1, 2));
        assert_eq!((tail[1].session, tail[1].line), (2, 1));
        assert_eq!(second.range(-1, 1, Some(2)).len(), 1);
        assert_eq!(second.range(1, 0, None).len(), 2);
        assert_eq!(second.search("a + *", None, false).len(), 2);
        assert_eq!(second.search("a + *", None, true).len(), 1);
        assert_eq!(second.search("*", Some(2), false).len(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
