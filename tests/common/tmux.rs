//! The real binary in tmux, for the end-to-end TUI tests and the benchmarks: keys sent one
//! at a time, the screen read back, waits on what appears (never fixed sleeps).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux")
    }

    pub fn start(command: &str, home: &std::path::Path) -> Self {
        let env = format!(
            "env -u NO_COLOR HOME='{}' XDG_STATE_HOME='{}/state'",
            home.display(),
            home.display()
        );
        Self::start_with_env(&env, command)
    }

    pub fn start_with_env(env: &str, command: &str) -> Self {
        Self::start_sized(env, command, 100, 30)
    }

    /// `start_with_env` in a window `width` × `height` (line mode at 80×24).
    pub fn start_sized(env: &str, command: &str, width: u16, height: u16) -> Self {
        let (width, height) = (width.to_string(), height.to_string());
        let dir = tempfile::tempdir().unwrap();
        let t = Tmux {
            socket: dir.path().join("tmux.sock"),
            _dir: dir,
        };
        let shell = format!(
            "{env} {command}; echo EXIT=$?; \
             stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | sed 's/^/TTY:/'; exec sleep 600"
        );
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width,
            "-y",
            &height,
            &shell,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    /// `command` as the pane's own process (its pid is the pane's), in `env`'s environment.
    pub fn exec(env: &str, command: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let t = Tmux {
            socket: dir.path().join("tmux.sock"),
            _dir: dir,
        };
        let shell = format!("exec {env} {command}");
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "100",
            "-y",
            "30",
            &shell,
        ]);
        assert!(out.status.success());
        t
    }

    /// The pid of the pane's process.
    pub fn pane_pid(&self) -> u32 {
        let out = self.run(&["display", "-p", "-t", "e2e", "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    pub fn type_text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "e2e", "-l", text])
                .status
                .success()
        );
    }

    /// A real paste: tmux wraps it in bracketed-paste markers when the app asked for them.
    pub fn paste(&self, text: &str) {
        let file = self._dir.path().join("paste.txt");
        std::fs::write(&file, text).unwrap();
        assert!(
            self.run(&["load-buffer", "-b", "k", file.to_str().unwrap()])
                .status
                .success()
        );
        assert!(
            self.run(&["paste-buffer", "-p", "-d", "-b", "k", "-t", "e2e"])
                .status
                .success()
        );
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// Waits until `needle` is on screen; fails with the screen after 20 s.
    /// The screen once the shell has printed both terminal settings after the program ended
    /// (`TTY:icanon`/`TTY:-icanon`, then `TTY:echo`/`TTY:-echo`): `EXIT=` alone comes first.
    pub fn wait_for_tty(&self) -> String {
        self.wait_until("the terminal settings", |s| s.matches("TTY:").count() >= 2)
    }

    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |s| s.contains(needle))
    }

    pub fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_until_within(what, ready, Duration::from_secs(20))
    }

    /// `wait_until` for work that takes longer (a benchmark loading a million users).
    pub fn wait_until_within(
        &self,
        what: &str,
        ready: impl Fn(&str) -> bool,
        limit: Duration,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{what} never appeared:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn alternate_screen(&self) -> bool {
        String::from_utf8_lossy(
            &self
                .run(&["display", "-p", "-t", "e2e", "#{alternate_on}"])
                .stdout,
        )
        .trim()
            == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

impl Tmux {
    /// The pid of the program the pane's shell runs.
    pub fn child_pid(&self) -> String {
        let shell = String::from_utf8_lossy(
            &self
                .run(&["display", "-p", "-t", "e2e", "#{pane_pid}"])
                .stdout,
        )
        .trim()
        .to_string();
        let child = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
        let pid = String::from_utf8_lossy(&child.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(!pid.is_empty(), "the binary runs under the pane's shell");
        pid
    }
}
