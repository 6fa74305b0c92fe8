package adminsock

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/npsd/npsd/internal/safeout"
)

// Call sends req to the daemon listening at path and prints what the
// command printed on stdout and stderr, writing the output files it names
// as the command would have. ok is false when no daemon answers (no
// socket, or a stale one): the caller then runs the command itself.
func Call(path string, req Request, spec Spec, stdout, stderr io.Writer) (code int, ok bool) {
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	req.Version = Protocol
	list := args(&req, spec)
	var files []*os.File
	defer func() { closeAll(files) }()
	for _, a := range ofKind(list, InputFile) {
		f, size, err := openInput(*a.value)
		if err != nil {
			fmt.Fprintf(stderr, "npsd: %v\n", err)
			return ExitUnusable, true
		}
		files = append(files, f)
		req.Inputs = append(req.Inputs, size)
	}
	// A daemon that refuses answers before reading the request: its
	// answer, not the failed write, says why.
	sendErr := sendRequest(conn, req, files)
	return receiveAnswer(conn, ofKind(list, OutputFile, WholeOutputFile), sendErr, stdout, stderr), true
}

// sendRequest writes the request line and streams the input files.
func sendRequest(w io.Writer, req Request, files []*os.File) error {
	if err := json.NewEncoder(w).Encode(req); err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	for i, f := range files {
		if _, err := io.CopyN(w, f, req.Inputs[i]); err != nil {
			return fmt.Errorf("admin socket: sending %s: %w", f.Name(), err)
		}
	}
	return nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// openInput opens an input file the client names, within the size the
// daemon accepts.
func openInput(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file: the running daemon takes a file it can be sent whole", path)
	}
	if err == nil && fi.Size() > maxForwardedFileBytes {
		err = fmt.Errorf("%s: %d bytes, more than the %d MB the running daemon takes", path, fi.Size(), maxForwardedFileBytes>>20)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// receiveAnswer reads the daemon's answer, writes the output files it
// streams, and prints what the command printed.
func receiveAnswer(conn net.Conn, outputs []arg, sendErr error, stdout, stderr io.Writer) int {
	dec := json.NewDecoder(io.LimitReader(conn, maxSocketHeaderBytes))
	var ans Answer
	if err := dec.Decode(&ans); err != nil {
		if sendErr != nil {
			fmt.Fprintf(stderr, "npsd: %v\n", sendErr)
			return exitFailed
		}
		fmt.Fprintf(stderr, "npsd: admin socket: no answer from the daemon (%v); if it runs an older npsd, restart it with this one\n", err)
		return exitFailed
	}
	if ans.Version != Protocol {
		fmt.Fprintf(stderr, "npsd: admin socket: the daemon speaks protocol %d, this npsd %d: restart the daemon with this binary\n", ans.Version, Protocol)
		return exitFailed
	}
	body := bodyAfter(dec, conn)
	if len(ans.Outputs) != 0 && len(ans.Outputs) != len(outputs) {
		fmt.Fprintf(stderr, "npsd: admin socket: the daemon sent %d files for %d outputs\n", len(ans.Outputs), len(outputs))
		return exitFailed
	}
	for i, size := range ans.Outputs {
		if size < 0 {
			continue
		}
		if err := writeOutput(outputs[i], io.LimitReader(body, size), size); err != nil {
			fmt.Fprintf(stderr, "npsd: %v\n", err)
			return exitFailed
		}
	}
	stdout.Write(ans.Stdout)
	stderr.Write(ans.Stderr)
	return ans.Code
}

// writeOutput writes an output file the daemon streams, as the command
// would have: --out privately in place, a backup whole or not at all.
func writeOutput(a arg, r io.Reader, size int64) error {
	copyAll := func(w io.Writer) error {
		if _, err := io.CopyN(w, r, size); err != nil {
			return fmt.Errorf("receiving from the daemon: %w", err)
		}
		return nil
	}
	if a.kind == WholeOutputFile {
		return safeout.WriteWholeFile(*a.value, copyAll)
	}
	return safeout.WritePrivateFile(*a.value, copyAll)
}
