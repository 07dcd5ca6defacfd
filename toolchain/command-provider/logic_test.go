package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func props(kv map[string]interface{}) resource.PropertyMap {
	return resource.NewPropertyMapFromMap(kv)
}

func TestDiffReplacesOnTriggers(t *testing.T) {
	olds := props(map[string]interface{}{"create": "a", "update": "u", "triggers": []interface{}{"1"}})
	news := props(map[string]interface{}{"create": "a", "update": "u", "triggers": []interface{}{"2"}})
	d := diff("command:local:Command", olds, news)
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 1 || d.Replaces[0] != "triggers" {
		t.Fatalf("want replace on triggers, got %+v", d)
	}
}

func TestDiffChangedCreateWithoutUpdateReplaces(t *testing.T) {
	d := diff("command:local:Command", props(map[string]interface{}{"create": "a"}), props(map[string]interface{}{"create": "b"}))
	if len(d.Replaces) != 1 || d.Replaces[0] != "create" {
		t.Fatalf("want replace on create, got %+v", d)
	}
}

func TestDiffChangedCreateWithUpdateUpdatesInPlace(t *testing.T) {
	d := diff("command:remote:Command",
		props(map[string]interface{}{"create": "a", "update": "u", "connection": map[string]interface{}{"host": "h"}}),
		props(map[string]interface{}{"create": "b", "update": "u", "connection": map[string]interface{}{"host": "h"}}))
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 0 {
		t.Fatalf("want in-place update, got %+v", d)
	}
}

func TestDiffConnectionChangeReplaces(t *testing.T) {
	d := diff("command:remote:Command",
		props(map[string]interface{}{"create": "a", "update": "u", "connection": map[string]interface{}{"host": "h1"}}),
		props(map[string]interface{}{"create": "a", "update": "u", "connection": map[string]interface{}{"host": "h2"}}))
	if len(d.Replaces) != 1 || d.Replaces[0] != "connection" {
		t.Fatalf("want replace on connection, got %+v", d)
	}
}

func TestDiffNoChanges(t *testing.T) {
	p := props(map[string]interface{}{"create": "a", "environment": map[string]interface{}{"X": "1"}})
	if d := diff("command:local:Command", p, p.Copy()); d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("want no changes, got %+v", d)
	}
}

func TestDeleteOnlyChangeRunsNothing(t *testing.T) {
	olds := props(map[string]interface{}{"create": "a", "delete": "x"})
	news := props(map[string]interface{}{"create": "a", "delete": "y"})
	if d := diff("command:local:Command", olds, news); len(d.Replaces) != 0 || d.Changes != pulumirpc.DiffResponse_DIFF_SOME {
		t.Fatalf("a changed delete command is recorded in place: %+v", d)
	}
	if runsOnUpdate("command:local:Command", olds, news) {
		t.Fatal("a changed delete command must not run anything on update")
	}
}

func TestRunLocalEnvStdinAndOutput(t *testing.T) {
	p := props(map[string]interface{}{
		"create":      `read line; printf '%s-%s' "$GREETING" "$line"; echo oops >&2`,
		"environment": map[string]interface{}{"GREETING": "hi"},
		"stdin":       "there\n",
	})
	res, err := run(context.Background(), "command:local:Command", phaseCreate, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.stdout != "hi-there" || res.stderr != "oops" || !res.ran {
		t.Fatalf("got %+v", res)
	}
}

func TestRunLocalPreviousOutputOnUpdate(t *testing.T) {
	olds := props(map[string]interface{}{"stdout": "v1"})
	news := props(map[string]interface{}{"create": `echo "was:$PULUMI_COMMAND_STDOUT"`})
	res, err := run(context.Background(), "command:local:Command", phaseUpdate, news, olds)
	if err != nil || res.stdout != "was:v1" {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestRunLocalFailureCarriesOutput(t *testing.T) {
	p := props(map[string]interface{}{"create": "echo partial; echo broken >&2; exit 3"})
	_, err := run(context.Background(), "command:local:Command", phaseCreate, p, nil)
	if err == nil || !strings.Contains(err.Error(), "broken") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("want error with stderr and status, got %v", err)
	}
}

func TestRunLocalDirAndInterpreter(t *testing.T) {
	dir := t.TempDir()
	p := props(map[string]interface{}{"create": "echo $0:$(pwd)", "dir": dir, "interpreter": []interface{}{"/bin/bash", "-c"}})
	res, err := run(context.Background(), "command:local:Command", phaseCreate, p, nil)
	if err != nil || res.stdout != "/bin/bash:"+dir {
		t.Fatalf("got %+v, %v", res, err)
	}
}

func TestCheckRequiresConnectionForRemote(t *testing.T) {
	f := check("command:remote:Command", props(map[string]interface{}{"create": "x"}))
	if len(f) != 1 || f[0].Property != "connection" {
		t.Fatalf("got %+v", f)
	}
	f = check("command:remote:CopyToRemote", props(map[string]interface{}{"connection": map[string]interface{}{"host": ""}}))
	got := map[string]bool{}
	for _, x := range f {
		got[x.Property] = true
	}
	for _, want := range []string{"connection.host", "source", "remotePath"} {
		if !got[want] {
			t.Fatalf("missing failure for %s in %+v", want, f)
		}
	}
}

func TestSSHTargetWritesKeyPrivatelyAndCleansUp(t *testing.T) {
	tgt, err := newSSHTarget(props(map[string]interface{}{"host": "10.0.0.1", "privateKey": "KEY"}))
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(tgt.keyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", st, err)
	}
	if tgt.user != "root" || tgt.port != "22" {
		t.Fatalf("defaults: %+v", tgt)
	}
	tgt.cleanup()
	if _, err := os.Stat(tgt.keyFile); !os.IsNotExist(err) {
		t.Fatal("key file must be removed")
	}
	if _, err := newSSHTarget(props(map[string]interface{}{"host": "h"})); err == nil {
		t.Fatal("a connection without credentials must be refused")
	}
}

func TestShellQuoteRoundTrips(t *testing.T) {
	for _, s := range []string{"plain", "it's", `a "b" $c`, "x'y'z"} {
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil || string(out) != s {
			t.Fatalf("%q -> %q (%v)", s, out, err)
		}
	}
}
