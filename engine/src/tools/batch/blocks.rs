//! JSON Lines read in blocks of whole lines and their outputs written in input order, by one
//! worker on the calling thread or by N workers that each read, decide and write their own
//! blocks (no reading or writing thread, no buffer allocated per block).
//!
//! A worker takes the next block under a short lock on the input (a large read, cut after the
//! block's last newline, the rest carried to the next block). Outside the lock it splits the
//! block into lines, records how many there are (which numbers the lines of the blocks after
//! it), and decides it into its own output buffer with its own state (a
//! [`Session`](super::Session)), asking for the number of its first line only if a line's
//! output shows it. It hands the buffer to the output: written at once when its block is the
//! next in order, else parked until the blocks before it are written, by whichever worker writes
//! them (the parked buffer is swapped for a spare one, so buffers are reused). The output is the same bytes whatever the number of
//! workers and wherever blocks are cut, as long as a worker's output for a block depends only on
//! the block's lines and the numbers of its lines.

use std::io::{self, Read, Write};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The smallest block handed to a worker (the rest of the input when shorter); a block ends
/// after a newline, so one longer line makes a longer block.
pub(crate) const BLOCK_BYTES: usize = 1 << 16;

/// Bytes asked for in one read.
const READ_BYTES: usize = 1 << 16;

/// Decides blocks of whole lines.
pub trait Blocks {
    /// Appends to `out` the output of a block's `lines`; `first` gives the number of the first
    /// (ask it only for a line whose output shows its number: it may wait for other workers).
    fn block(&mut self, lines: Lines<'_>, first: &mut FirstLine<'_>, out: &mut Vec<u8>);
}

/// The lines of a block, as `BufRead::lines` splits them (without `\n` or `\r\n`; no line after
/// a final newline), from the positions of its newlines, found once ([`Lines::split`]).
#[derive(Debug, Clone)]
pub struct Lines<'b> {
    /// What is left of the block.
    rest: &'b [u8],
    /// The positions of the newlines left, in the block.
    newlines: std::slice::Iter<'b, usize>,
    /// Where `rest` starts in the block.
    start: usize,
    /// The lines left.
    left: usize,
}

impl<'b> Lines<'b> {
    /// The lines of `block`, with `newlines` (cleared first) the positions of its newlines.
    pub fn split(block: &'b [u8], newlines: &'b mut Vec<usize>) -> Lines<'b> {
        newlines.clear();
        newlines.extend(memchr::memchr_iter(b'\n', block));
        let unterminated = !block.is_empty() && !block.ends_with(b"\n");
        Lines {
            rest: block,
            left: newlines.len() + usize::from(unterminated),
            newlines: newlines.iter(),
            start: 0,
        }
    }
}

impl<'b> Iterator for Lines<'b> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        let line = match self.newlines.next() {
            Some(&end) => {
                let (line, rest) = self.rest.split_at_checked(end.checked_sub(self.start)?)?;
                self.rest = rest.get(1..)?;
                self.start = end + 1;
                line
            }
            None if !self.rest.is_empty() => std::mem::take(&mut self.rest),
            None => return None,
        };
        self.left = self.left.saturating_sub(1);
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Lines<'_> {}

/// The number of a block's first line, known once every block before it is split into lines:
/// asked only when a worker needs it (to word a line's error), so a worker never waits for
/// another to decide its block.
pub struct FirstLine<'p> {
    turns: &'p Turns,
    seq: usize,
    known: Option<usize>,
}

impl FirstLine<'_> {
    /// The number (1-based) of the block's first line; `None` when the run stops (the block's
    /// output is then not written).
    pub fn get(&mut self) -> Option<usize> {
        if self.known.is_none() {
            self.known = self.turns.first_line(self.seq);
        }
        self.known
    }
}

/// Reads every line of `input`, has workers made by `worker` decide them in blocks (`jobs` of
/// them, on scoped threads; with 1, on the calling thread), and writes their outputs to `output`
/// in input order. Stops at the first write error, which is returned; a read error is returned
/// after the outputs of the blocks read before it are written.
pub fn run<W: Blocks>(
    input: impl Read + Send,
    output: impl Write + Send,
    jobs: usize,
    worker: impl Fn() -> W + Sync,
) -> io::Result<()> {
    let pipeline = Pipeline {
        input: Mutex::new(Input {
            reader: input,
            carry: Vec::new(),
            seq: 0,
            done: false,
            error: None,
        }),
        turns: Turns {
            order: Mutex::new(Order {
                next: 0,
                numbered: 0,
                next_line: 1,
                counted: Vec::new(),
                firsts: Vec::new(),
                sleeping: 0,
                writing: false,
                parked: Vec::new(),
                spare: Vec::new(),
                stop: false,
                error: None,
            }),
            turn: Condvar::new(),
        },
        writer: Mutex::new(output),
        max_parked: jobs.max(1) * 4,
    };
    if jobs <= 1 {
        pipeline.work(worker());
    } else {
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(|| {
                    // A worker that panics stops the others (none waits for its block).
                    let _stop = StopOnPanic(&pipeline);
                    pipeline.work(worker());
                });
            }
        });
    }
    let order = pipeline
        .turns
        .order
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(e) = order.error {
        return Err(e);
    }
    let input = pipeline
        .input
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    match input.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What the workers share.
struct Pipeline<R, O> {
    input: Mutex<Input<R>>,
    turns: Turns,
    /// Held only by the worker whose `Order::writing` it is.
    writer: Mutex<O>,
    /// Parked blocks beyond which a worker waits before reading another.
    max_parked: usize,
}

/// The input side: taken under its lock for as long as one block is read.
struct Input<R> {
    reader: R,
    /// What followed the last block's last newline.
    carry: Vec<u8>,
    /// The sequence number of the next block.
    seq: usize,
    /// The input is at its end (or failed).
    done: bool,
    error: Option<io::Error>,
}

/// The order of blocks, and what workers wait on.
struct Turns {
    order: Mutex<Order>,
    /// Signalled when a block is numbered or written, or the run stops (a worker waiting for
    /// its block's first line number, or for parked blocks to drain, waits on it).
    turn: Condvar,
}

/// Which block is numbered and written next, and the blocks decided ahead of their turn.
struct Order {
    /// The sequence number of the next block to write.
    next: usize,
    /// The sequence number of the next block to number, and the number of its first line.
    numbered: usize,
    next_line: usize,
    /// The line counts of blocks split before a block ahead of them was.
    counted: Vec<(usize, usize)>,
    /// The first line numbers of numbered blocks not yet written.
    firsts: Vec<(usize, usize)>,
    /// Workers waiting on [`Turns::turn`].
    sleeping: usize,
    /// A worker is writing (the lock is released while it writes).
    writing: bool,
    /// Decided blocks waiting for their turn, with their sequence numbers.
    parked: Vec<(usize, Vec<u8>)>,
    /// Emptied buffers, handed to a worker that parks its own.
    spare: Vec<Vec<u8>>,
    /// A write failed or a worker panicked: workers stop.
    stop: bool,
    error: Option<io::Error>,
}

impl<R: Read, O: Write> Pipeline<R, O> {
    /// One worker's loop: read a block, decide it, hand its output on; until the input ends or
    /// the run stops.
    fn work(&self, mut worker: impl Blocks) {
        let mut buffer = Vec::new();
        let mut newlines = Vec::new();
        let mut out = Vec::with_capacity(BLOCK_BYTES * 2);
        loop {
            if !self.wait_for_room() {
                return;
            }
            let Some((len, seq)) = self.read(&mut buffer) else {
                return;
            };
            // Split outside the input's lock; the counts number the lines in input order.
            let lines = Lines::split(buffer.get(..len).unwrap_or_default(), &mut newlines);
            self.turns.count(seq, lines.len());
            let mut first = FirstLine {
                turns: &self.turns,
                seq,
                known: None,
            };
            out.clear();
            worker.block(lines, &mut first, &mut out);
            self.deliver(seq, &mut out);
        }
    }

    /// Waits while too many blocks are parked; false when the run stops.
    fn wait_for_room(&self) -> bool {
        let mut order = lock(&self.turns.order);
        while !order.stop && order.parked.len() >= self.max_parked {
            order = self.turns.wait(order);
        }
        !order.stop
    }

    /// The next block into the start of `buffer`, with its length and its sequence number;
    /// `None` at the end of the input (or after a read error, kept for [`run`]).
    fn read(&self, buffer: &mut Vec<u8>) -> Option<(usize, usize)> {
        let mut input = lock(&self.input);
        if input.done {
            return None;
        }
        let len = match next_block(&mut input, buffer) {
            Ok(0) => return None,
            Ok(len) => len,
            Err(e) => {
                input.done = true;
                input.error = Some(e);
                return None;
            }
        };
        let seq = input.seq;
        input.seq += 1;
        Some((len, seq))
    }

    /// Writes `out` (block `seq`) when its turn has come, with every parked block that follows
    /// it; else parks it and leaves `out` an empty spare buffer.
    fn deliver(&self, seq: usize, out: &mut Vec<u8>) {
        let mut order = lock(&self.turns.order);
        if order.stop {
            return;
        }
        if order.writing || order.next != seq {
            let spare = order.spare.pop().unwrap_or_default();
            order.parked.push((seq, std::mem::replace(out, spare)));
            return;
        }
        order.writing = true;
        drop(order);
        let mut result = self.write(out);
        order = lock(&self.turns.order);
        order.next += 1;
        while result.is_ok() {
            let next = order.next;
            let Some(at) = order.parked.iter().position(|(s, _)| *s == next) else {
                break;
            };
            let (_, mut parked) = order.parked.swap_remove(at);
            drop(order);
            result = self.write(&parked);
            parked.clear();
            order = lock(&self.turns.order);
            order.spare.push(parked);
            order.next += 1;
        }
        order.writing = false;
        let written = order.next;
        order.firsts.retain(|(seq, _)| *seq >= written);
        if let Err(e) = result {
            order.stop = true;
            order.error = Some(e);
        }
        self.turns.wake(order);
    }

    fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let mut writer = lock(&self.writer);
        writer.write_all(bytes)?;
        writer.flush()
    }
}

impl Turns {
    /// Records that block `seq` has `lines` lines, and numbers every block whose blocks before
    /// it are all counted. Never waits.
    fn count(&self, seq: usize, lines: usize) {
        let mut order = lock(&self.order);
        order.counted.push((seq, lines));
        let mut numbered = false;
        loop {
            let next = order.numbered;
            let Some(at) = order.counted.iter().position(|(s, _)| *s == next) else {
                break;
            };
            let (_, lines) = order.counted.swap_remove(at);
            let first = order.next_line;
            order.firsts.push((next, first));
            order.next_line += lines;
            order.numbered += 1;
            numbered = true;
        }
        if numbered {
            self.wake(order);
        }
    }

    /// The number of block `seq`'s first line, once it is numbered; `None` when the run stops.
    fn first_line(&self, seq: usize) -> Option<usize> {
        let mut order = lock(&self.order);
        loop {
            if order.stop {
                return None;
            }
            if let Some(&(_, first)) = order.firsts.iter().find(|(s, _)| *s == seq) {
                return Some(first);
            }
            order = self.wait(order);
        }
    }

    /// Waits on [`Turns::turn`], counted in [`Order::sleeping`].
    fn wait<'o>(&self, mut order: MutexGuard<'o, Order>) -> MutexGuard<'o, Order> {
        order.sleeping += 1;
        let mut order = self
            .turn
            .wait(order)
            .unwrap_or_else(PoisonError::into_inner);
        order.sleeping -= 1;
        order
    }

    /// Releases the order's lock and wakes the workers waiting on [`Turns::turn`], if any.
    fn wake(&self, order: MutexGuard<'_, Order>) {
        let sleeping = order.sleeping > 0;
        drop(order);
        if sleeping {
            self.turn.notify_all();
        }
    }
}

/// Reads the next block of whole lines into the start of `buffer` and returns its length (0
/// when nothing is left): the carried bytes, then reads until it holds at least
/// [`BLOCK_BYTES`] and a newline (or the input ends); what follows its last newline is carried.
/// `buffer` only grows (zeroed once, never again for each read).
fn next_block<R: Read>(input: &mut Input<R>, buffer: &mut Vec<u8>) -> io::Result<usize> {
    let mut len = input.carry.len();
    if buffer.len() < len + READ_BYTES {
        buffer.resize(len + READ_BYTES, 0);
    }
    if let Some(start) = buffer.get_mut(..len) {
        start.copy_from_slice(&input.carry);
    }
    input.carry.clear();
    let mut last_newline = memchr::memrchr(b'\n', buffer.get(..len).unwrap_or_default());
    loop {
        if len >= BLOCK_BYTES
            && let Some(last) = last_newline
        {
            let rest = buffer.get(last + 1..len).unwrap_or_default();
            input.carry.extend_from_slice(rest);
            return Ok(last + 1);
        }
        if buffer.len() < len + READ_BYTES {
            buffer.resize(len + READ_BYTES, 0);
        }
        let space = buffer.get_mut(len..len + READ_BYTES).unwrap_or_default();
        let n = loop {
            match input.reader.read(space) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                read => break read?,
            }
        };
        if n == 0 {
            input.done = true;
            return Ok(len);
        }
        // Only the new bytes are searched, so a long line is read in linear time.
        if let Some(at) = memchr::memrchr(b'\n', buffer.get(len..len + n).unwrap_or_default()) {
            last_newline = Some(len + at);
        }
        len += n;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stops the run when the worker thread holding it unwinds.
struct StopOnPanic<'p, R, O>(&'p Pipeline<R, O>);

impl<R, O> Drop for StopOnPanic<'_, R, O> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut order = lock(&self.0.turns.order);
            order.stop = true;
            self.0.turns.wake(order);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes each line after its number; a worker asks the number only for the lines that
    /// show it, so only lines whose length is a multiple of `every` show it (the others `-`).
    #[derive(Clone, Copy)]
    struct Numbered {
        every: usize,
    }

    impl Numbered {
        fn line(self, number: Option<usize>, line: &[u8], out: &mut Vec<u8>) {
            match number {
                Some(n) => out.extend_from_slice(format!("{n} ").as_bytes()),
                None => out.extend_from_slice(b"- "),
            }
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }

    impl Blocks for Numbered {
        fn block(&mut self, lines: Lines<'_>, first: &mut FirstLine<'_>, out: &mut Vec<u8>) {
            for (i, line) in lines.enumerate() {
                let number = if line.len() % self.every == 0 {
                    let Some(first) = first.get() else { return };
                    Some(first + i)
                } else {
                    None
                };
                self.line(number, line, out);
            }
        }
    }

    /// A reader that gives at most `step` bytes a read, then fails if asked to.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
        fail_at_end: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.bytes.is_empty() && self.fail_at_end {
                return Err(io::Error::other("broken input"));
            }
            let n = self.step.min(buf.len()).min(self.bytes.len());
            let (now, rest) = self.bytes.split_at(n);
            buf[..n].copy_from_slice(now);
            self.bytes = rest;
            Ok(n)
        }
    }

    fn input(lines: usize) -> Vec<u8> {
        let mut input = Vec::new();
        for i in 0..lines {
            // Lines of varied lengths, one of them longer than a block, some blank, some CRLF.
            let len = if i == 700 { BLOCK_BYTES + 10 } else { i % 97 };
            input.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, len));
            input.extend_from_slice(if i % 5 == 0 { b"\r\n" } else { b"\n" });
        }
        input.extend_from_slice(b"last line without a newline");
        input
    }

    fn expected(input: &[u8], numbered: Numbered) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, line) in Lines::split(input, &mut Vec::new()).enumerate() {
            let number = (line.len() % numbered.every == 0).then_some(i + 1);
            numbered.line(number, line, &mut out);
        }
        out
    }

    #[test]
    fn every_number_of_workers_writes_the_same_bytes_in_order() {
        let input = input(20_000);
        assert!(input.len() > 8 * BLOCK_BYTES, "several blocks");
        for every in [1, 7] {
            let numbered = Numbered { every };
            let expected = expected(&input, numbered);
            for jobs in [1, 2, 3, 8] {
                for step in [7, 4096, 1 << 20] {
                    let mut out = Vec::new();
                    let reader = Trickle {
                        bytes: &input,
                        step,
                        fail_at_end: false,
                    };
                    run(reader, &mut out, jobs, || numbered).unwrap();
                    assert!(out == expected, "jobs {jobs}, reads of {step} bytes");
                }
            }
        }
    }

    #[test]
    fn a_read_error_comes_after_the_blocks_read_before_it() {
        let input = input(3_000);
        let numbered = Numbered { every: 1 };
        for jobs in [1, 2] {
            let mut out = Vec::new();
            let reader = Trickle {
                bytes: &input,
                step: 1000,
                fail_at_end: true,
            };
            let e = run(reader, &mut out, jobs, || numbered).unwrap_err();
            assert_eq!(e.to_string(), "broken input");
            // Every whole block read before the error is written; the carried tail is not.
            assert!(
                !out.is_empty() && expected(&input, numbered).starts_with(&out),
                "jobs {jobs}"
            );
        }
    }

    #[test]
    fn a_write_error_stops_every_worker_and_is_returned() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::from(io::ErrorKind::BrokenPipe));
                }
                let n = buf.len().min(self.0);
                self.0 -= n;
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let input = input(20_000);
        for jobs in [1, 2, 4] {
            let numbered = Numbered { every: 1 };
            let e = run(&input[..], Full(100_000), jobs, || numbered).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe, "jobs {jobs}");
        }
    }

    #[test]
    fn an_empty_input_writes_nothing() {
        for jobs in [1, 2] {
            let mut out = Vec::new();
            run(&b""[..], &mut out, jobs, || Numbered { every: 1 }).unwrap();
            assert!(out.is_empty());
        }
    }

    #[test]
    fn blocks_split_lines_as_bufread_does() {
        for (block, expected) in [
            (&b""[..], &[][..]),
            (b"a\n", &[&b"a"[..]]),
            (b"a\r\n\nb", &[b"a", b"", b"b"]),
            (b"\n", &[b""]),
            (b"x", &[b"x"]),
        ] {
            let mut newlines = Vec::new();
            let lines = Lines::split(block, &mut newlines);
            assert_eq!(lines.len(), expected.len(), "{block:?}");
            assert_eq!(lines.collect::<Vec<_>>(), expected, "{block:?}");
            let read: Vec<Vec<u8>> = io::BufRead::lines(block)
                .map(|l| l.unwrap().into_bytes())
                .collect();
            assert_eq!(read, expected, "{block:?}");
        }
    }
}
