//! JSON Lines read in blocks of whole lines and their outputs written in input order, by one
//! worker on the calling thread or by N workers that each read, decide and write their own
//! blocks (no reading or writing thread, no buffer allocated per block).
//!
//! A worker takes the next block under a short lock on the input (a large read, cut after the
//! block's last newline, the rest carried to the next block), decides it into its own output
//! buffer with its own state (a [`Session`](super::Session)), and hands the buffer to the
//! output: written at once when its block is the next in order, else parked until the blocks
//! before it are written, by whichever worker writes them (the parked buffer is swapped for a
//! spare one, so buffers are reused). The output is the same bytes whatever the number of
//! workers and wherever blocks are cut, as long as a worker's output for a block depends only on
//! the block's lines and the number of its first line.

use std::io::{self, Read, Write};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The smallest block handed to a worker (the rest of the input when shorter); a block ends
/// after a newline, so one longer line makes a longer block.
pub(crate) const BLOCK_BYTES: usize = 1 << 16;

/// Bytes asked for in one read.
const READ_BYTES: usize = 1 << 16;

/// Decides blocks of whole lines.
pub trait Blocks {
    /// Appends to `out` the output of `block` (whole lines, each ending with `\n` but perhaps
    /// the last), whose first line is line `first` of the input (1-based).
    fn block(&mut self, block: &[u8], first: usize, out: &mut Vec<u8>);
}

/// The lines of a block, as `BufRead::lines` splits them (without `\n` or `\r\n`; no line after
/// a final newline).
pub fn lines(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut newlines = memchr::memchr_iter(b'\n', block);
    std::iter::from_fn(move || {
        let end = match newlines.next() {
            Some(end) => end,
            None if start < block.len() => block.len(),
            None => return None,
        };
        let line = block.get(start..end)?;
        start = end + 1;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

/// The number of lines in a block, as [`lines`] counts them.
pub(crate) fn count_lines(block: &[u8]) -> usize {
    // Counted in a byte over runs of at most 255 (wrapping: no overflow check), which compiles to
    // a loop over 16 bytes at once.
    let newlines: usize = block
        .chunks(255)
        .map(|run| {
            let count = run
                .iter()
                .fold(0u8, |n, b| n.wrapping_add(u8::from(*b == b'\n')));
            usize::from(count)
        })
        .sum();
    newlines + usize::from(!block.is_empty() && !block.ends_with(b"\n"))
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
            line: 1,
            done: false,
            error: None,
        }),
        order: Mutex::new(Order {
            next: 0,
            writing: false,
            parked: Vec::new(),
            spare: Vec::new(),
            stop: false,
            error: None,
        }),
        turn: Condvar::new(),
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
    order: Mutex<Order>,
    /// Signalled when a block is written or the run stops (a worker waiting for parked blocks
    /// to drain waits on it).
    turn: Condvar,
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
    /// The number of the next block's first line.
    line: usize,
    /// The input is at its end (or failed).
    done: bool,
    error: Option<io::Error>,
}

/// The output side: which block is written next, and the blocks decided ahead of their turn.
struct Order {
    /// The sequence number of the next block to write.
    next: usize,
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
        let mut out = Vec::with_capacity(BLOCK_BYTES * 2);
        loop {
            if !self.wait_for_room() {
                return;
            }
            let Some((len, seq, first)) = self.read(&mut buffer) else {
                return;
            };
            out.clear();
            worker.block(buffer.get(..len).unwrap_or_default(), first, &mut out);
            self.deliver(seq, &mut out);
        }
    }

    /// Waits while too many blocks are parked; false when the run stops.
    fn wait_for_room(&self) -> bool {
        let mut order = lock(&self.order);
        while !order.stop && order.parked.len() >= self.max_parked {
            order = self
                .turn
                .wait(order)
                .unwrap_or_else(PoisonError::into_inner);
        }
        !order.stop
    }

    /// The next block into the start of `buffer`, with its length, its sequence number and the
    /// number of its first line; `None` at the end of the input (or after a read error, kept for
    /// [`run`]).
    fn read(&self, buffer: &mut Vec<u8>) -> Option<(usize, usize, usize)> {
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
        let first = input.line;
        input.seq += 1;
        input.line += count_lines(buffer.get(..len).unwrap_or_default());
        Some((len, seq, first))
    }

    /// Writes `out` (block `seq`) when its turn has come, with every parked block that follows
    /// it; else parks it and leaves `out` an empty spare buffer.
    fn deliver(&self, seq: usize, out: &mut Vec<u8>) {
        let mut order = lock(&self.order);
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
        order = lock(&self.order);
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
            order = lock(&self.order);
            order.spare.push(parked);
            order.next += 1;
        }
        order.writing = false;
        if let Err(e) = result {
            order.stop = true;
            order.error = Some(e);
        }
        drop(order);
        self.turn.notify_all();
    }

    fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let mut writer = lock(&self.writer);
        writer.write_all(bytes)?;
        writer.flush()
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
            lock(&self.0.order).stop = true;
            self.0.turn.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes each line after its number.
    struct Numbered;

    impl Blocks for Numbered {
        fn block(&mut self, block: &[u8], first: usize, out: &mut Vec<u8>) {
            for (i, line) in lines(block).enumerate() {
                out.extend_from_slice(format!("{} ", first + i).as_bytes());
                out.extend_from_slice(line);
                out.push(b'\n');
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

    fn expected(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Numbered.block(input, 1, &mut out);
        out
    }

    #[test]
    fn every_number_of_workers_writes_the_same_bytes_in_order() {
        let input = input(20_000);
        let expected = expected(&input);
        assert!(expected.len() > 8 * BLOCK_BYTES, "several blocks");
        for jobs in [1, 2, 3, 8] {
            for step in [7, 4096, 1 << 20] {
                let mut out = Vec::new();
                let reader = Trickle {
                    bytes: &input,
                    step,
                    fail_at_end: false,
                };
                run(reader, &mut out, jobs, || Numbered).unwrap();
                assert!(out == expected, "jobs {jobs}, reads of {step} bytes");
            }
        }
    }

    #[test]
    fn a_read_error_comes_after_the_blocks_read_before_it() {
        let input = input(3_000);
        for jobs in [1, 2] {
            let mut out = Vec::new();
            let reader = Trickle {
                bytes: &input,
                step: 1000,
                fail_at_end: true,
            };
            let e = run(reader, &mut out, jobs, || Numbered).unwrap_err();
            assert_eq!(e.to_string(), "broken input");
            // Every whole block read before the error is written; the carried tail is not.
            assert!(
                !out.is_empty() && expected(&input).starts_with(&out),
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
            let e = run(&input[..], Full(100_000), jobs, || Numbered).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe, "jobs {jobs}");
        }
    }

    #[test]
    fn an_empty_input_writes_nothing() {
        for jobs in [1, 2] {
            let mut out = Vec::new();
            run(&b""[..], &mut out, jobs, || Numbered).unwrap();
            assert!(out.is_empty());
        }
    }

    #[test]
    fn blocks_split_lines_as_bufread_does() {
        fn split(block: &[u8]) -> Vec<&[u8]> {
            lines(block).collect()
        }
        assert_eq!(split(b""), Vec::<&[u8]>::new());
        assert_eq!(split(b"a\n"), [b"a"]);
        assert_eq!(split(b"a\r\n\nb"), [&b"a"[..], b"", b"b"]);
        assert_eq!(split(b"\n"), [b""]);
        for block in [&b""[..], b"a\n", b"a\r\n\nb", b"\n", b"x"] {
            assert_eq!(count_lines(block), split(block).len());
        }
    }
}
