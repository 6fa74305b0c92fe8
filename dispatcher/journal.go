package dispatcher

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/npsd/npsd/store"
)

// The outcome journal makes a send's outcome durable for the price of one
// small write and one fdatasync, a fraction of a store commit (which
// writes a page of every index the outcome touches and syncs twice). The
// recorder writes each batch of outcomes here first; the store takes them
// later in larger batches; the journal starts again from its beginning,
// what it held overwritten with zeros, whenever the store has taken
// everything written to it. A kill between a send and its outcome
// then repeats only the sends of the last fraction of a millisecond, and
// the store's single writer is no longer the wave's bottleneck.
//
// A job stays in the in-flight set until its outcome is in the store, so
// the orphan pass never takes a job whose outcome is only journaled. At
// start-up, before the orphan pass, the journal's outcomes are applied to
// the store; each names the attempt it settles, so one that the store
// already holds (applied before the crash, the journal not yet emptied)
// is passed over rather than applied twice.

// journalEntry is one outcome as the journal keeps it.
type journalEntry struct {
	// Gen is the generation of the file's lines it was written in.
	Gen uint64      `json:"gen"`
	Job store.JobID `json:"job"`
	// Attempt is how many attempts the job had when this one was made:
	// the outcome applies only to a job still inflight on that attempt.
	Attempt    int    `json:"attempt"`
	ProviderID string `json:"provider_id,omitempty"`
	// Err is the send's error, empty when the message was taken.
	Err       string             `json:"err,omitempty"`
	Temporary bool               `json:"temporary,omitempty"`
	Uncertain bool               `json:"uncertain,omitempty"`
	Contact   store.ChannelState `json:"contact,omitempty"`
	Code      string             `json:"code,omitempty"`
}

// maxJournalError bounds an error's text in the journal: a server's reply
// can be long, and the record it ends up in is bounded the same way.
const maxJournalError = 2000

// entryOf is what the journal keeps of an outcome.
func entryOf(r sendResult) journalEntry {
	e := journalEntry{Job: r.c.job.ID, Attempt: len(r.c.job.Attempts), ProviderID: r.providerID}
	if r.err == nil {
		return e
	}
	e.Err = r.err.Error()
	if len(e.Err) > maxJournalError {
		e.Err = e.Err[:maxJournalError]
	}
	e.Temporary = IsTemporary(r.err)
	var se *SendError
	if errors.As(r.err, &se) {
		e.Uncertain, e.Contact, e.Code = se.Uncertain, se.Contact, se.Code
	}
	return e
}

// result is the outcome an entry keeps, to be applied to the store.
func (e journalEntry) result() sendResult {
	r := sendResult{providerID: e.ProviderID, attempt: e.Attempt}
	r.c.job.ID = e.Job
	if e.Err != "" {
		// The code is already in the kept text.
		r.err = &SendError{Err: errors.New(e.Err), Temporary: e.Temporary, Uncertain: e.Uncertain, Contact: e.Contact}
	}
	return r
}

// Journal is the outbox's outcome journal, one file beside the store. A
// daemon opens it once and hands it to each dispatcher it runs, across
// reloads, as it does the in-flight set.
//
// The file is written in place over space written once with zeros: an
// append would change the file's size, and an fdatasync that must also
// write the size waits for the file system's own journal, behind the
// store's commits. Each line carries a generation, new each time the
// file is started again from its beginning, so that reading stops at the
// first line left from an earlier one.
type Journal struct {
	mu sync.Mutex
	f  *os.File
	// at is where the next line goes; allocated is the file's size.
	at, allocated int64
	gen           uint64
	// unapplied counts the outcomes written and not yet in the store;
	// the file starts again from its beginning when it falls to zero.
	unapplied int
	// loaded are the outcomes found at opening, not yet applied.
	loaded []journalEntry
	buf    []byte
}

// journalChunk is how much the file grows at a time: about 4,000
// outcomes, far more than are ever waiting for the store.
const journalChunk = 1 << 20

// maxJournalLine bounds a line read back: a longer one is not the
// journal's (an error's text is cut at maxJournalError).
const maxJournalLine = 64 << 10

// OpenJournal opens (or creates) the journal at path and reads the
// outcomes a previous run left in it. A torn last line (the process died
// while writing it, before its sync) ends the reading: its outcomes were
// never reported, and their jobs are settled as orphans.
func OpenJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outcome journal: %w", err)
	}
	// The mode applies only to a file OpenFile creates; one copied in with
	// looser permissions may hold addresses in its errors all the same.
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = f.Chmod(0o600)
	}
	j := &Journal{f: f}
	if err := j.open(); err != nil {
		f.Close()
		return nil, fmt.Errorf("outcome journal %s: %w", path, err)
	}
	return j, nil
}

func (j *Journal) open() error {
	fi, err := j.f.Stat()
	if err != nil {
		return err
	}
	j.allocated = fi.Size()
	var found bool
	j.loaded, j.at, j.gen, found = readJournal(bufio.NewReaderSize(j.f, maxJournalLine))
	if !found {
		// A generation of its own, so that no line left from an earlier
		// one (a zeroing the disk never got) is read as one of its own.
		j.gen = mrand.Uint64()
	}
	j.unapplied = len(j.loaded)
	if j.allocated < journalChunk {
		return j.grow(journalChunk)
	}
	return nil
}

// readJournal reads the lines of the first line's generation whose
// checksum holds, up to the first that does not: the zeros after them,
// a torn line, or a line of another generation. It returns them, where
// they end and their generation; found is false when there are none.
// It reads no further than that, a line of at most maxJournalLine.
func readJournal(r *bufio.Reader) (entries []journalEntry, end int64, gen uint64, found bool) {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			break
		}
		e, ok := decodeJournalLine(line[:len(line)-1])
		if !ok || found && e.Gen != gen {
			break
		}
		entries = append(entries, e)
		end += int64(len(line))
		gen, found = e.Gen, true
	}
	return entries, end, gen, found
}

// grow extends the file with zeros to size and syncs it, the one write
// that changes the file's size.
func (j *Journal) grow(size int64) error {
	zeros := make([]byte, min(size-j.allocated, 64<<10))
	for at := j.allocated; at < size; at += int64(len(zeros)) {
		if _, err := j.f.WriteAt(zeros[:min(int64(len(zeros)), size-at)], at); err != nil {
			return err
		}
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.allocated = size
	return nil
}

var journalTable = crc32.MakeTable(crc32.Castagnoli)

// appendJournalLine writes e as "checksum json\n".
func appendJournalLine(b []byte, e journalEntry) []byte {
	body, _ := json.Marshal(e) // plain fields: cannot fail
	b = fmt.Appendf(b, "%08x ", crc32.Checksum(body, journalTable))
	b = append(b, body...)
	return append(b, '\n')
}

func decodeJournalLine(line []byte) (journalEntry, bool) {
	var e journalEntry
	if len(line) < 10 || line[8] != ' ' {
		return e, false
	}
	sum, err := strconv.ParseUint(string(line[:8]), 16, 32)
	body := line[9:]
	if err != nil || uint32(sum) != crc32.Checksum(body, journalTable) {
		return e, false
	}
	return e, json.Unmarshal(body, &e) == nil && e.Job != 0
}

// write adds the outcomes and syncs them to disk. They count as
// unapplied even when it fails (some may be on disk, and the file must
// not start again under them): the caller then records them in the store
// itself and says so with applied.
func (j *Journal) write(results []sendResult) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.unapplied += len(results)
	j.buf = j.buf[:0]
	for _, r := range results {
		e := entryOf(r)
		e.Gen = j.gen
		j.buf = appendJournalLine(j.buf, e)
	}
	if need := j.at + int64(len(j.buf)); need > j.allocated {
		if err := j.grow(need + journalChunk); err != nil {
			return fmt.Errorf("outcome journal: %w", err)
		}
	}
	n, err := j.f.WriteAt(j.buf, j.at)
	j.at += int64(n)
	if err != nil {
		return fmt.Errorf("outcome journal: %w", err)
	}
	if err := unix.Fdatasync(int(j.f.Fd())); err != nil {
		return fmt.Errorf("outcome journal: %w", err)
	}
	return nil
}

// applied says the store has had its try at n of the journal's outcomes.
// One it refused stays inflight there and is settled by the orphan pass,
// as without a journal. With none left to apply, the file starts again
// from its beginning in a new generation, and what it held is overwritten
// with zeros, so that no address in an error outlives its outcome for
// long. Neither needs a sync: an outcome read back that the store already
// holds is passed over.
func (j *Journal) applied(n int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.unapplied -= n
	if j.unapplied > 0 || j.at == 0 {
		return
	}
	if _, err := j.f.WriteAt(make([]byte, j.at), 0); err == nil {
		j.at = 0
		j.gen++
	}
}

// takeLoaded returns the outcomes found at opening, once.
func (j *Journal) takeLoaded() []journalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	l := j.loaded
	j.loaded = nil
	return l
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }
