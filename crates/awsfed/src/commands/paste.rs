//! Reading a pasted SAML response from the terminal without the line limit.
//!
//! In canonical mode the kernel's line discipline keeps at most 4,095 bytes of one line and drops
//! the rest (termios(3), "Canonical and noncanonical mode": "The maximum line length is 4096
//! chars"); a signed SAMLResponse is often 10 KB. So the paste is read in noncanonical mode, where
//! the line discipline throttles the writer instead of dropping bytes. Echo is off (a response is
//! a credential, and 10 KB of base64 on the screen helps no one), and so are signals: Ctrl-C
//! arrives as a byte and cancels, so the terminal's settings are always put back.
//!
//! The paste ends at Enter, unless more bytes follow at once: a response wrapped at 64 or 76
//! columns arrives as one burst with newlines in it, and the decoder drops that whitespace.

use std::fs::File;
use std::io::{self, Read, Write};

use rustix::termios::{
    LocalModes, OptionalActions, SpecialCodeIndex, Termios, tcgetattr, tcsetattr,
};

const CTRL_C: u8 = 0x03;
const CTRL_D: u8 = 0x04;
/// How long after a newline more pasted bytes may follow, in tenths of a second (VTIME's unit).
const BURST_TENTHS: u8 = 3;

/// Puts the terminal's settings back when dropped, also on an error or a cancel.
struct Restore<'a> {
    tty: &'a File,
    saved: Termios,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.tty, OptionalActions::Now, &self.saved);
    }
}

/// Shows `prompt` on `tty` and reads one pasted response: at most `limit + 1` bytes, so the parser
/// can say the response is too large. Ctrl-C is an `Interrupted` error; Ctrl-D or the end of input
/// ends it. The mode is switched before the prompt shows, so a paste right after it is never cut.
pub fn read_paste(tty: &File, prompt: &str, limit: usize) -> io::Result<Vec<u8>> {
    let saved = tcgetattr(tty)?;
    let restore = Restore { tty, saved };
    let mut raw = restore.saved.clone();
    raw.local_modes
        .remove(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG);
    wait_for(tty, &mut raw, false)?;
    (&*tty).write_all(prompt.as_bytes())?;
    let mut pasted = Vec::new();
    let mut after_newline = false;
    let mut chunk = [0u8; 4096];
    loop {
        let read = (&*tty).read(&mut chunk)?;
        // With VMIN=0 a read of 0 bytes is the pause after a newline; otherwise the end of input.
        if read == 0 {
            break;
        }
        for &byte in &chunk[..read] {
            match byte {
                CTRL_C => return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled")),
                CTRL_D => return Ok(without_final_newline(pasted)),
                b'\r' | b'\n' if pasted.is_empty() => {}
                b'\r' | b'\n' => {
                    pasted.push(b'\n');
                    after_newline = true;
                }
                _ => {
                    pasted.push(byte);
                    after_newline = false;
                }
            }
            if pasted.len() > limit {
                return Ok(pasted);
            }
        }
        wait_for(tty, &mut raw, after_newline)?;
    }
    drop(restore);
    Ok(without_final_newline(pasted))
}

/// The Enter that ended the paste is not part of it.
fn without_final_newline(mut pasted: Vec<u8>) -> Vec<u8> {
    if pasted.last() == Some(&b'\n') {
        pasted.pop();
    }
    pasted
}

/// Blocks for the next byte, or (after a newline) waits briefly for the rest of a burst.
fn wait_for(tty: &File, raw: &mut Termios, after_newline: bool) -> io::Result<()> {
    let (min, time) = if after_newline {
        (0, BURST_TENTHS)
    } else {
        (1, 0)
    };
    raw.special_codes[SpecialCodeIndex::VMIN] = min;
    raw.special_codes[SpecialCodeIndex::VTIME] = time;
    tcsetattr(tty, OptionalActions::Now, raw)?;
    Ok(())
}
