// Package export writes a programme's registrations as a spreadsheet that staff download, from Telegram
// (/export) or from the command line. It knows nothing of registrations: the caller flattens them into a
// Table of text, already formatted in the staff's language, and chooses XLSX or CSV.
//
// The cells hold what users typed, so the writers treat every cell as hostile. Invariants:
//   - Every cell is written as text. XLSX cells are inline strings, never numbers or formulas; a CSV cell is
//     quoted by encoding/csv whenever it must be.
//   - Every cell, header included, passes through Neutralise, so a spreadsheet program never reads one as a
//     formula (the OWASP defence against CSV injection). Staff see a leading apostrophe on such cells.
//   - An XLSX file is well-formed whatever the input: text is made valid UTF-8 and characters that XML 1.0
//     forbids are dropped. Letters, marks and line breaks are kept as they are, so Vietnamese and Lao text
//     survives unchanged (no normalisation of the cells).
//   - A CSV file carries the same text, line breaks inside a cell all made LF. It is UTF-8 with a byte order
//     mark and CRLF line ends, which is what Excel needs to open Vietnamese and Lao text with a double click.
package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// DefaultSheet is the sheet name used when Table.Sheet is empty or has nothing left after sanitising.
const DefaultSheet = "Registrations"

// Table is what is exported: a header row and data rows, all text (the caller formats dates and values).
// A row shorter than the header is padded with empty cells; a longer row is kept whole, its extra cells
// under no heading. An empty Header means no header row: the data starts on the first line.
type Table struct {
	// Sheet names the XLSX sheet. It is sanitised to Excel's rules (at most 31 characters, none of
	// : \ / ? * [ ], no apostrophe at either end); empty means DefaultSheet. CSV ignores it.
	Sheet  string
	Header []string
	Rows   [][]string
}

// columns is the width of the widest line of t.
func (t Table) columns() int {
	n := len(t.Header)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	return n
}

// dangerous lists the first bytes that make Excel, LibreOffice or Google Sheets read a cell as a formula
// (or, for TAB and CR, hide such a character in front of one), per OWASP's "CSV Injection" page.
const dangerous = "=+-@\t\r"

// Neutralise defends against formula injection: a cell that starts with = + - @ TAB or CR gets a leading
// apostrophe, as OWASP recommends; any other cell is returned unchanged. The original is always
// strings.TrimPrefix(result, "'") when the result differs from s, so nothing is lost. A negative number
// such as "-2" is neutralised too: exports carry text, and staff can remove the apostrophe.
func Neutralise(s string) string {
	if s != "" && strings.IndexByte(dangerous, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Column widths, in Excel's units (about one digit of the default font).
const (
	minColWidth = 8
	maxColWidth = 60
	colPadding  = 2
)

// XLSX writes t as an Excel workbook of one sheet. It goes through excelize's StreamWriter, which encodes
// each row as it comes rather than building a tree of cells (and spills to a temporary file past 16 MB);
// excelize still assembles the zipped file in memory before writing it to w. The header row is bold and
// frozen; each column is as wide as its longest line, within [8, 60]. Cells are Neutralised inline strings;
// excelize cuts a cell beyond Excel's limit of 32,767 characters.
func XLSX(w io.Writer, t Table) (err error) {
	cols := t.columns()
	if cols > excelize.MaxColumns {
		return fmt.Errorf("export xlsx: %d columns, a sheet holds %d", cols, excelize.MaxColumns)
	}
	first := 1 // row number of the first data row
	if len(t.Header) > 0 {
		first = 2
	}
	if rows := first - 1 + len(t.Rows); rows > excelize.TotalRows {
		return fmt.Errorf("export xlsx: %d rows, a sheet holds %d", rows, excelize.TotalRows)
	}

	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("export xlsx: close: %w", cerr)
		}
	}()
	sheet := sheetName(t.Sheet)
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return fmt.Errorf("export xlsx: name sheet: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export xlsx: header style: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("export xlsx: stream: %w", err)
	}

	// The stream writer wants the columns and panes before the first row.
	widths := columnWidths(t, cols)
	for lo := 0; lo < len(widths); {
		hi := lo
		for hi+1 < len(widths) && widths[hi+1] == widths[lo] {
			hi++
		}
		if err := sw.SetColWidth(lo+1, hi+1, float64(widths[lo])); err != nil {
			return fmt.Errorf("export xlsx: width of columns %d-%d: %w", lo+1, hi+1, err)
		}
		lo = hi + 1
	}
	if len(t.Header) > 0 {
		err := sw.SetPanes(&excelize.Panes{
			Freeze:      true,
			YSplit:      1,
			TopLeftCell: "A2",
			ActivePane:  "bottomLeft",
			Selection:   []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		})
		if err != nil {
			return fmt.Errorf("export xlsx: freeze header: %w", err)
		}
	}

	// One slice serves every row: SetRow encodes the values before it returns.
	vals := make([]any, cols)
	if len(t.Header) > 0 {
		for i, h := range t.Header {
			vals[i] = excelize.Cell{StyleID: bold, Value: xlsxCell(h)}
		}
		if err := sw.SetRow("A1", vals[:len(t.Header)]); err != nil {
			return fmt.Errorf("export xlsx: header: %w", err)
		}
	}
	for i, row := range t.Rows {
		// Padding a short row is implicit: a cell that is not written is empty.
		for j, c := range row {
			vals[j] = xlsxCell(c)
		}
		ref, err := excelize.CoordinatesToCellName(1, first+i)
		if err == nil {
			err = sw.SetRow(ref, vals[:len(row)])
		}
		if err != nil {
			return fmt.Errorf("export xlsx: row %d: %w", i+1, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export xlsx: flush: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export xlsx: write: %w", err)
	}
	return nil
}

// xlsxCell is the text of one XLSX cell: valid XML 1.0 text, then Neutralised. The order matters: "\x01=1"
// must not become "=1" after the check.
func xlsxCell(s string) string { return Neutralise(xmlText(s)) }

// xmlText makes s valid UTF-8 (each invalid sequence becomes U+FFFD) and drops the characters that XML 1.0
// forbids: the C0 controls other than TAB, LF and CR, and U+FFFE and U+FFFF. Text that is already valid
// is returned as is, without copying.
func xmlText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	clean := true
	for _, r := range s {
		if !isXMLChar(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isXMLChar(r) {
			return r
		}
		return -1
	}, s)
}

// isXMLChar reports whether r may appear in an XML 1.0 document (production [2] Char).
func isXMLChar(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}

// sheetName sanitises a sheet name to Excel's rules: the forbidden characters : \ / ? * [ ] become "_",
// control characters go, apostrophes and spaces at either end go (Excel refuses an apostrophe there), and
// the name is cut to 31 UTF-16 units without parting a letter from its combining marks. The name is put
// in Unicode NFC before the cut so that decomposed Vietnamese does not waste the short budget. Excel reserves
// "History", which gets a "_".
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`:\/?*[]`, r):
			return '_'
		case unicode.IsControl(r) || !isXMLChar(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Trim(norm.NFC.String(s), " '")
	s = strings.Trim(truncateUTF16(s, excelize.MaxSheetNameLength), " '")
	switch {
	case s == "":
		return DefaultSheet
	case strings.EqualFold(s, "History"):
		return s + "_"
	}
	return s
}

// truncateUTF16 cuts s to at most n UTF-16 code units (Excel's measure of length) on a rune boundary. If the
// cut would leave a base letter without the combining marks that follow it, the letter goes too.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units <= n {
			continue
		}
		cut := s[:i]
		if unicode.Is(unicode.Mn, r) {
			cut = strings.TrimRightFunc(cut, isMark)
			_, size := utf8.DecodeLastRuneInString(cut)
			cut = cut[:len(cut)-size]
		}
		return cut
	}
	return s
}

func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) }

// columnWidths sizes each of the cols columns to its longest line, header included, in [minColWidth,
// maxColWidth].
func columnWidths(t Table, cols int) []int {
	widths := make([]int, cols)
	measure := func(row []string) {
		for i, c := range row {
			if widths[i] < maxColWidth {
				widths[i] = max(widths[i], displayWidth(c, maxColWidth)+colPadding)
			}
		}
	}
	measure(t.Header)
	for _, r := range t.Rows {
		measure(r)
	}
	for i, w := range widths {
		widths[i] = min(max(w, minColWidth), maxColWidth)
	}
	return widths
}

// displayWidth estimates how many character cells the longest line of s takes: combining marks and format
// characters take none (Vietnamese tone marks, Lao vowel signs), East Asian wide characters take two. It
// stops counting at limit, so a long cell costs no more than a short one.
func displayWidth(s string, limit int) int {
	longest, line := 0, 0
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			line = 0
			continue
		case r < utf8.RuneSelf:
			if r >= 0x20 && r != 0x7F {
				line++
			}
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Cc):
		case isWide(r):
			line += 2
		default:
			line++
		}
		if line > longest {
			longest = line
			if longest >= limit {
				return longest
			}
		}
	}
	return longest
}

func isWide(r rune) bool {
	k := width.LookupRune(r).Kind()
	return k == width.EastAsianWide || k == width.EastAsianFullwidth
}

// bom is the UTF-8 byte order mark, by which Excel recognises a CSV file as UTF-8.
const bom = "\uFEFF"

// CSV writes t as comma-separated values: UTF-8 with a byte order mark, CRLF line ends, quoting as
// encoding/csv does it, every row as wide as the header at least. Each cell is cleaned as for XLSX (valid
// UTF-8, no control characters but TAB, LF and CR) and Neutralised, so both formats carry the same text;
// then its line breaks become LF (which the writer ends as CRLF), since encoding/csv would otherwise drop a
// lone CR. A line that would be empty (a row of one empty cell, or of
// none) is written as "" so that readers do not skip it.
func CSV(w io.Writer, t Table) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(bom); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, 0, t.columns())
	write := func(row []string) error {
		rec = rec[:0]
		for _, c := range row {
			rec = append(rec, csvCell(c))
		}
		for len(rec) < max(len(t.Header), 1) {
			rec = append(rec, "")
		}
		if len(rec) == 1 && rec[0] == "" {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			_, err := bw.WriteString("\"\"\r\n")
			return err
		}
		return cw.Write(rec)
	}
	if len(t.Header) > 0 {
		if err := write(t.Header); err != nil {
			return fmt.Errorf("export csv: header: %w", err)
		}
	}
	for i, row := range t.Rows {
		if err := write(row); err != nil {
			return fmt.Errorf("export csv: row %d: %w", i+1, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

// csvCell is the text of one CSV cell: the XLSX text, with line breaks as LF. Neutralise comes before the
// line breaks change, so a cell that starts with CR is caught.
func csvCell(s string) string {
	s = xlsxCell(s)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}
