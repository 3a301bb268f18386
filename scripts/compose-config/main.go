// compose-config loads a Compose file with compose-go, the loader and validator that `docker compose` itself uses,
// and prints the resolved model as JSON, like `docker compose config --format json`. It exists for machines that have the docker
// CLI without the compose plugin (and no Docker engine), so the project's docker-compose.yml is still checked.
//
// Usage: compose-config FILE [ENV_FILE]
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-config FILE [ENV_FILE]")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	// As `docker compose` does: the environment file given (--env-file), else the .env beside the compose file.
	var envFiles []string
	if len(os.Args) > 2 {
		envFile, err := filepath.Abs(os.Args[2])
		if err != nil {
			fail(err)
		}
		envFiles = append(envFiles, envFile)
	}
	opts, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithName("waakvlam"),
	)
	if err != nil {
		fail(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-config:", err)
	os.Exit(1)
}
