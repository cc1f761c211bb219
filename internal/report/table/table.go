// Package table is steward's one renderer of rows for people and
// spreadsheets: aligned terminal text, CSV and Markdown, with the same
// alignment rules (numbers and money right-aligned) and the same escaping
// for every command. Commands build a Table of plain cell text and never
// format columns or escape cells themselves. Widths are terminal columns
// (East Asian wide characters count two), so Japanese names stay aligned.
//
// It knows nothing of findings, bills or money: callers format amounts
// with package money before they become cells.
package table

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Output formats a Table renders to. JSON is not one: a command writes
// its own result structure as JSON, not a table of strings.
const (
	FormatTable    = "table"
	FormatCSV      = "csv"
	FormatMarkdown = "markdown"
)

// Formats lists the formats Render accepts.
func Formats() []string { return []string{FormatTable, FormatCSV, FormatMarkdown} }

// Column is one column of a table.
type Column struct {
	Title string
	// Number marks numbers and money: right-aligned in text, written as
	// numbers in CSV when they are plain decimals.
	Number bool
	// Shrink is the order in which columns give up width when the table is
	// fitted to a terminal: 1 first; 0 never.
	Shrink int
	// Min is the narrowest a shrinking column may become.
	Min int
	// Drop is the order in which columns are left out when shrinking is
	// not enough: 1 first; 0 never.
	Drop int
	// Below, for one long text column (a message), puts it on its own
	// indented line under each row, wrapped, whenever the table is fitted
	// to a width and the column would otherwise be cut.
	Below bool
}

// Section is a run of rows under an optional title, aligned with every
// other section of the same table.
type Section struct {
	Title string
	Rows  [][]string
}

// Table is what a command prints: a title, columns, rows in sections and
// notes after them. Cells are plain text; the renderer escapes them.
type Table struct {
	Title    string
	Columns  []Column
	Sections []Section
	Notes    []string
}

// Rows is a Table of one untitled section.
func Rows(title string, cols []Column, rows [][]string, notes ...string) *Table {
	return &Table{Title: title, Columns: cols, Sections: []Section{{Rows: rows}}, Notes: notes}
}

// Options change only the text format.
type Options struct {
	// Width fits the table to this many columns (a terminal's width):
	// columns shrink, then drop, in their order. 0 never cuts anything.
	Width int
	// Indent starts every row and column-title line.
	Indent string
	// Style decorates a padded cell (colours); row -1 is the titles.
	Style func(sec, row, col int, padded string) string
	// TitleStyle decorates the table's and the sections' titles.
	TitleStyle func(string) string
}

// Render writes t in format (table, csv or markdown).
func Render(w io.Writer, format string, t *Table, opts Options) error {
	if err := t.check(); err != nil {
		return err
	}
	switch format {
	case FormatTable, "":
		return renderText(w, t, opts)
	case FormatCSV:
		return renderCSV(w, t)
	case FormatMarkdown:
		return renderMarkdown(w, t)
	}
	return fmt.Errorf("unknown table format %q (valid: %s)", format, strings.Join(Formats(), ", "))
}

func (t *Table) check() error {
	for si, s := range t.Sections {
		for ri, r := range s.Rows {
			if len(r) != len(t.Columns) {
				return fmt.Errorf("table %q: section %d row %d has %d cells for %d columns", t.Title, si, ri, len(r), len(t.Columns))
			}
		}
	}
	return nil
}

func renderCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = CSVText(c.Title)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, s := range t.Sections {
		for _, r := range s.Rows {
			out := make([]string, len(r))
			for i, cell := range r {
				if t.Columns[i].Number {
					out[i] = CSVNumber(cell)
				} else {
					out[i] = CSVText(cell)
				}
			}
			if err := cw.Write(out); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func renderMarkdown(w io.Writer, t *Table) error {
	var b strings.Builder
	if t.Title != "" {
		b.WriteString("**" + Markdown(t.Title) + "**\n\n")
	}
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + Markdown(c) + " |")
		}
		b.WriteString("\n")
	}
	titles := make([]string, len(t.Columns))
	rule := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		titles[i] = c.Title
		rule[i] = "---"
		if c.Number {
			rule[i] = "---:"
		}
	}
	for si, s := range t.Sections {
		if si > 0 {
			b.WriteString("\n")
		}
		if s.Title != "" {
			b.WriteString("*" + Markdown(s.Title) + "*\n\n")
		}
		row(titles)
		b.WriteString("|" + strings.Join(rule, "|") + "|\n")
		for _, r := range s.Rows {
			row(r)
		}
	}
	for _, n := range t.Notes {
		b.WriteString("\n" + Markdown(n) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

const columnGap = "  "

func renderText(w io.Writer, t *Table, opts Options) error {
	title := func(s string) string {
		s = Wrap(Terminal(s), opts.Width, "  ")
		if opts.TitleStyle != nil {
			return opts.TitleStyle(s)
		}
		return s
	}
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(title(t.Title) + "\n")
	}
	cols := t.Columns
	secs := make([][][]string, len(t.Sections))
	for si, s := range t.Sections {
		secs[si] = make([][]string, len(s.Rows))
		for ri, r := range s.Rows {
			secs[si][ri] = make([]string, len(r))
			for ci, c := range r {
				secs[si][ri][ci] = Terminal(c)
			}
		}
	}
	titles := make([]string, len(cols))
	natural := make([]int, len(cols))
	for i, c := range cols {
		titles[i] = Terminal(c.Title)
		natural[i] = Width(titles[i])
	}
	for _, s := range secs {
		for _, r := range s {
			for i, c := range r {
				natural[i] = max(natural[i], Width(c))
			}
		}
	}
	widths, show := slices.Clone(natural), make([]bool, len(cols))
	for i := range show {
		show[i] = true
	}
	below := -1 // the column printed under its row, if any
	if opts.Width > 0 {
		limit := opts.Width - Width(opts.Indent)
		widths, show = fit(natural, cols, limit, nil)
		if i := slices.IndexFunc(cols, func(c Column) bool { return c.Below }); i >= 0 && (!show[i] || widths[i] < natural[i]) {
			// The long column does not fit: it goes under its row, and
			// the other columns get its room.
			below = i
			hide := make([]bool, len(cols))
			hide[i] = true
			widths, show = fit(natural, cols, limit, hide)
		}
	}
	visible := make([]int, 0, len(cols))
	for i := range cols {
		if show[i] {
			visible = append(visible, i)
		}
	}
	line := func(si, ri int, cells []string) {
		var l strings.Builder
		l.WriteString(opts.Indent)
		for vi, i := range visible {
			last := vi == len(visible)-1
			cell := Truncate(cells[i], widths[i])
			pad := strings.Repeat(" ", widths[i]-Width(cell))
			switch {
			case cols[i].Number:
				cell = pad + cell
			case !last:
				cell += pad
			}
			if opts.Style != nil {
				cell = opts.Style(si, ri, i, cell)
			}
			l.WriteString(cell)
			if !last {
				l.WriteString(columnGap)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
		if below >= 0 && ri >= 0 && cells[below] != "" {
			in := opts.Indent + "    "
			b.WriteString(in + Wrap(cells[below], opts.Width-Width(in), in) + "\n")
		}
	}
	for si, s := range secs {
		if t.Sections[si].Title != "" {
			if si > 0 || t.Title != "" {
				b.WriteByte('\n')
			}
			b.WriteString(title(t.Sections[si].Title) + "\n")
		}
		line(si, -1, titles)
		for ri, r := range s {
			line(si, ri, r)
		}
	}
	for _, n := range t.Notes {
		b.WriteString(Wrap(Terminal(n), opts.Width, "  ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fit chooses column widths that fit limit: first shrinking columns in
// shrink order down to their minimum, then leaving columns out in drop
// order (giving the others their width back), then shrinking below the
// minimums. Fixed columns never shrink, so a very narrow terminal can
// still get lines longer than limit. Columns in hide are never shown.
func fit(natural []int, cols []Column, limit int, hide []bool) ([]int, []bool) {
	show := make([]bool, len(cols))
	for i := range show {
		show[i] = hide == nil || !hide[i]
	}
	for {
		widths := slices.Clone(natural)
		if shrinkTo(widths, show, cols, limit, false) {
			return widths, show
		}
		next := -1
		for i, c := range cols {
			if show[i] && c.Drop > 0 && (next < 0 || c.Drop < cols[next].Drop) {
				next = i
			}
		}
		if next < 0 {
			shrinkTo(widths, show, cols, limit, true)
			return widths, show
		}
		show[next] = false
	}
}

// shrinkTo narrows the shown columns in shrink order and reports whether
// the table now fits. hard ignores the columns' minimums.
func shrinkTo(widths []int, show []bool, cols []Column, limit int, hard bool) bool {
	total, n := 0, 0
	for i, wd := range widths {
		if show[i] {
			total += wd
			n++
		}
	}
	total += len(columnGap) * max(n-1, 0)
	for order := 1; total > limit && order <= len(cols); order++ {
		for i, c := range cols {
			if !show[i] || c.Shrink != order {
				continue
			}
			floor := Width(c.Title)
			if !hard {
				floor = max(floor, c.Min)
			}
			if cut := min(total-limit, widths[i]-floor); cut > 0 {
				widths[i] -= cut
				total -= cut
			}
		}
	}
	return total <= limit
}
