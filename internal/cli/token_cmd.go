package cli

import (
	"context"
	"fmt"

	"github.com/steward-sre/steward/internal/server"
)

// TokenCmd manages API tokens for machines.
type TokenCmd struct {
	New TokenNewCmd `cmd:"" help:"Make an API token: the token is printed once; steward.yaml keeps only its hash."`
}

// TokenNewCmd is `steward token new NAME --role ROLE`.
type TokenNewCmd struct {
	Name string `arg:"" help:"A name for the token, shown in logs (e.g. github-actions)."`
	Role string `help:"What the token may do: viewer, operator or admin." default:"viewer" enum:"viewer,operator,admin"`
}

// Run prints a new token and the lines to add to steward.yaml.
func (c *TokenNewCmd) Run(_ context.Context, r *runner) error {
	tok, sum, err := server.NewToken()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "%s\n\n%s\n\nserve:\n  auth:\n    tokens:\n      - name: %s\n        sha256: %s\n        role: %s\n",
		tok, r.lang.T("cli.tokennew"), quoteYAML(c.Name), sum, c.Role)
	return err
}

// quoteYAML writes s as a double-quoted YAML scalar.
func quoteYAML(s string) string { return fmt.Sprintf("%q", s) }
