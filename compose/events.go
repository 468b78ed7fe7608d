package compose

// Event is what a compose operation tells its caller while it works: the
// CLI prints each one, an API could send it as JSON. Report receives them
// one at a time (never concurrently), in the order they happened.
type Event interface{ composeEvent() }

// Progress is a step done to one object of the project.
type Progress struct {
	Resource string // Container, Network, Volume, Image
	Name     string
	State    string // Created, Started, Recreated, Running, Waiting, Healthy, Stopped, Removed, Pulled...
}

// Warning is something the user should know that does not stop the work.
type Warning struct {
	Name    string // the object or service concerned
	Message string
}

// LogsStarting comes before the first LogLine of a stream and names its
// containers, in the order that LogLine.Index counts: a printer sizes its
// prefixes and picks colours from it.
type LogsStarting struct {
	Containers []string
}

// LogLine is one whole line of a container's output.
type LogLine struct {
	Service, Container string
	Index              int    // the container's place in LogsStarting
	Stream             string // "stdout" or "stderr"
	// Text is the line without its newline, with its timestamp first when
	// timestamps were asked for.
	Text string
}

// Stopping says why a foreground `up` stops the project.
type Stopping struct {
	Reason StopReason
	// Container is the one that exited, for StopExited.
	Container string
}

// StopReason is why a foreground `up` ended.
type StopReason int

const (
	// StopAllExited: every container's output ended.
	StopAllExited StopReason = iota
	// StopInterrupted: the caller's context ended (Ctrl-C).
	StopInterrupted
	// StopExited: a container exited and AbortOnExit was asked for.
	StopExited
)

func (Progress) composeEvent()     {}
func (Warning) composeEvent()      {}
func (LogsStarting) composeEvent() {}
func (LogLine) composeEvent()      {}
func (Stopping) composeEvent()     {}

// emit hands e to Report; several goroutines report (containers stop in
// parallel, logs stream side by side), so calls are serialised here and a
// Report function need not lock.
func (c *Compose) emit(e Event) {
	if c.Report == nil {
		return
	}
	c.reportMu.Lock()
	defer c.reportMu.Unlock()
	c.Report(e)
}

func (c *Compose) progress(resource, name, state string) {
	c.emit(Progress{Resource: resource, Name: name, State: state})
}

func (c *Compose) warn(name, message string) {
	c.emit(Warning{Name: name, Message: message})
}
