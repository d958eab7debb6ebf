package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
)

// verbHelp is the help a command group (sub, role, source, channel,
// articles) answers to --help: its verbs. It wraps flag.ErrHelp, so it
// exits 0 like any help.
type verbHelp struct{ verbs []string }

func (verbHelp) Error() string { return "help requested" }
func (verbHelp) Unwrap() error { return flag.ErrHelp }

func isHelpArg(s string) bool { return s == "-h" || s == "--help" || s == "-help" || s == "help" }

// longHelp is what a command's --help says beyond its one-line summary.
var longHelp = map[string]string{"migrate": migrateHelp}

// envName finds the WXDIGEST_* variables a flag's usage says it reads.
var envName = regexp.MustCompile(`WXDIGEST_[A-Z_]+`)

// printHelp writes the usage of command c: its synopsis, what it does,
// every flag with its default, and every WXDIGEST_* variable it reads.
// fs is the flag set the command parsed (nil for a group's verb list).
func (a *app) printHelp(w io.Writer, c command, err error) {
	var vh verbHelp
	if errors.As(err, &vh) {
		fmt.Fprintf(w, "usage: wxdigest %s VERB [flags]\n\n%s\n\n", c.name, c.short)
		fmt.Fprintf(w, "verbs: %s\n", strings.Join(vh.verbs, ", "))
		fmt.Fprintln(w)
		for _, form := range splitTop(c.args, " | ") {
			fmt.Fprintf(w, "  wxdigest %s %s\n", c.name, form)
		}
		fmt.Fprintf(w, "\n'wxdigest %s VERB --help' lists a verb's flags, defaults and variables.\n", c.name)
		fmt.Fprintln(w, "\nenvironment: WXDIGEST_DB, WXDIGEST_LOG_LEVEL, WXDIGEST_TZ")
		return
	}
	name := c.name
	synopsis := c.args
	if a.flags != nil && a.flags.Name() != c.name {
		name, synopsis = a.flags.Name(), "[flags]"
	}
	fmt.Fprintf(w, "usage: wxdigest %s %s\n\n%s\n", name, synopsis, c.short)
	if more := longHelp[name]; more != "" {
		fmt.Fprintf(w, "\n%s\n", more)
	}
	envs := map[string]bool{"WXDIGEST_LOG_LEVEL": true}
	if a.flags != nil {
		fmt.Fprintln(w, "\nflags:")
		a.flags.VisitAll(func(f *flag.Flag) {
			kind, usage := flag.UnquoteUsage(f)
			head := "  --" + f.Name
			if kind != "" {
				head += " " + kind
			}
			line := head
			if len(head) < 24 {
				line += strings.Repeat(" ", 24-len(head))
			} else {
				line += "\n" + strings.Repeat(" ", 24)
			}
			line += usage
			if def := f.DefValue; def != "" && def != "false" && def != "0" {
				line += fmt.Sprintf(" (default %s)", def)
			}
			fmt.Fprintln(w, line)
			for _, e := range envName.FindAllString(usage, -1) {
				envs[e] = true
			}
		})
	}
	names := make([]string, 0, len(envs))
	for e := range envs {
		names = append(names, e)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\nenvironment: %s\n", strings.Join(names, ", "))
}

// cmdVersion prints the version, commit and Go version from the build.
func cmdVersion(_ context.Context, a *app, _ config, args []string) error {
	fs := newFlags(a, "version")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, versionLine())
	return nil
}

// versionLine reads what the Go toolchain stamped into the binary: the
// module version (a tag, or "(devel)"), the commit and whether the tree
// had changes.
func versionLine() string {
	version, commit, when, modified := "(devel)", "unknown", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
				if len(commit) > 12 {
					commit = commit[:12]
				}
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	line := fmt.Sprintf("wxdigest %s commit %s", version, commit)
	if when != "" {
		line += " (" + when + ")"
	}
	if modified {
		line += " with local changes"
	}
	return line + fmt.Sprintf(", %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// splitTop splits s at sep where it is not inside brackets or parentheses:
// "add (--group G | --channel C) | list" has two forms.
func splitTop(s, sep string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		}
		if depth == 0 && strings.HasPrefix(s[i:], sep) {
			out = append(out, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[start:])
}
