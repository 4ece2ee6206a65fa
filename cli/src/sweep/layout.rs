//! Where a sweep keeps its files in its output folder. Every point writes only files of its
//! own (one record store per point), so points may run at once on any file system.

use super::grid::Point;
use std::path::{Path, PathBuf};

pub struct Layout {
    pub dir: PathBuf,
    /// Points in the grid (fixes the width of the index in file names).
    pub count: usize,
}

impl Layout {
    pub fn new(dir: &Path, count: usize) -> Self {
        Layout {
            dir: dir.to_path_buf(),
            count,
        }
    }

    pub fn metadata(dir: &Path) -> PathBuf {
        dir.join("sweep.json")
    }
    pub fn points_file(&self) -> PathBuf {
        self.dir.join("points.tsv")
    }
    pub fn slurm_script(&self) -> PathBuf {
        self.dir.join("sweep.sbatch")
    }
    pub fn summary_html(&self) -> PathBuf {
        self.dir.join("summary.html")
    }
    pub fn summary_csv(&self) -> PathBuf {
        self.dir.join("summary.csv")
    }

    fn file(&self, folder: &str, point: &Point, ext: &str) -> PathBuf {
        self.dir
            .join(folder)
            .join(format!("{}.{ext}", point.file_name(self.count)))
    }
    pub fn notebook(&self, point: &Point) -> PathBuf {
        self.file("notebooks", point, "ipynb")
    }
    pub fn report(&self, point: &Point) -> PathBuf {
        self.file("reports", point, "html")
    }
    pub fn records(&self, point: &Point) -> PathBuf {
        self.file("records", point, "sqlite")
    }
    pub fn log(&self, point: &Point) -> PathBuf {
        self.file("logs", point, "log")
    }
    /// Holds the point's `ladder run` exit code, written once the run has ended.
    pub fn exit_file(&self, point: &Point) -> PathBuf {
        self.file("status", point, "exit")
    }

    pub fn create_folders(&self) -> Result<(), String> {
        for folder in ["notebooks", "reports", "records", "logs", "status"] {
            let path = self.dir.join(folder);
            std::fs::create_dir_all(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        }
        Ok(())
    }

    /// How the point's last run ended, read from its exit file.
    pub fn state(&self, point: &Point) -> PointState {
        match std::fs::read_to_string(self.exit_file(point)) {
            Err(_) => PointState::NotRun,
            Ok(text) => match text.trim().parse::<i32>() {
                Ok(0) => PointState::Done,
                Ok(code) => PointState::Failed(code),
                Err(_) => PointState::NotRun,
            },
        }
    }

    /// Before a point (re)runs: its exit file and the record store of an earlier try go, so
    /// the store holds the last run's records only.
    pub fn clear_point(&self, point: &Point) {
        let records = self.records(point).display().to_string();
        for path in [
            self.exit_file(point).display().to_string(),
            format!("{records}-wal"),
            format!("{records}-shm"),
            records,
        ] {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PointState {
    NotRun,
    Done,
    Failed(i32),
}
