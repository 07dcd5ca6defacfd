package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPulumiPackagesFindsProviderPackages(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "package.json"), `{"name":"p"}`)
	write(t, filepath.Join(dir, "node_modules/@pulumi/command/package.json"), `{"name":"@pulumi/command","version":"4.5.0","pulumi":{"resource":true,"name":"command"}}`)
	write(t, filepath.Join(dir, "node_modules/@pulumi/pulumi/package.json"), `{"name":"@pulumi/pulumi","version":"3.246.0"}`)
	write(t, filepath.Join(dir, "node_modules/@acme/thing/package.json"), `{"name":"@acme/thing","version":"1.2.3","pulumi":{"resource":true,"server":"https://example.invalid"}}`)
	write(t, filepath.Join(dir, "node_modules/zod/package.json"), `{"name":"zod","version":"4.0.0"}`)
	sub := filepath.Join(dir, "test", "fixture")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	pkgs, err := pulumiPackages(sub) // walks up like Node's module resolution
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]pulumiPackage{}
	for _, p := range pkgs {
		got[p.name] = p
	}
	if len(got) != 2 || got["command"].version != "v4.5.0" || got["acme/thing"].version != "v1.2.3" || got["acme/thing"].server == "" {
		t.Fatalf("got %+v", pkgs)
	}
}

func TestRunEnvCarriesConfigSecretsAndTypescript(t *testing.T) {
	opts, _ := structpb.NewStruct(map[string]interface{}{"typescript": false, "tsconfig": "tsconfig.pulumi.json"})
	env, err := runEnv(&pulumirpc.RunRequest{
		Config:           map[string]string{"keelson:cluster": `{"a":1}`},
		ConfigSecretKeys: []string{"keelson:token"},
		Info:             &pulumirpc.ProgramInfo{Options: opts},
	})
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vals[k] = v
		}
	}
	var cfg map[string]string
	if err := json.Unmarshal([]byte(vals["PULUMI_CONFIG"]), &cfg); err != nil || cfg["keelson:cluster"] != `{"a":1}` {
		t.Fatalf("PULUMI_CONFIG=%q (%v)", vals["PULUMI_CONFIG"], err)
	}
	if vals["PULUMI_CONFIG_SECRET_KEYS"] != `["keelson:token"]` {
		t.Fatalf("PULUMI_CONFIG_SECRET_KEYS=%q", vals["PULUMI_CONFIG_SECRET_KEYS"])
	}
	if vals["PULUMI_NODEJS_TYPESCRIPT"] != "false" || vals["PULUMI_NODEJS_TSCONFIG_PATH"] != "tsconfig.pulumi.json" {
		t.Fatalf("typescript settings: %q %q", vals["PULUMI_NODEJS_TYPESCRIPT"], vals["PULUMI_NODEJS_TSCONFIG_PATH"])
	}
}

func TestSdkScriptExplainsMissingSdk(t *testing.T) {
	_, err := sdkScript(t.TempDir(), "run")
	if err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("want a hint to run npm ci, got %v", err)
	}
}
