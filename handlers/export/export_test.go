package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Cells that a spreadsheet program would run as formulas, and what the export makes of them.
var hostile = []struct{ in, xlsx, csv string }{
	{`=HYPERLINK("http://x")`, `'=HYPERLINK("http://x")`, `'=HYPERLINK("http://x")`},
	{"+1", "'+1", "'+1"},
	{"-2", "'-2", "'-2"},
	{"@SUM(A1)", "'@SUM(A1)", "'@SUM(A1)"},
	{"\tx", "'\tx", "'\tx"},
	{"\rx", "'\rx", "'\nx"},        // CSV line breaks are LF inside a cell, CRLF between rows
	{"\x01=1+1", "'=1+1", "'=1+1"}, // the control character goes first, then the cell is neutralised
}

// fixture is the table the round-trip tests write: Vietnamese and Lao text, hostile cells, a 5,000-character
// cell, rows shorter and longer than the header, and 2,000 rows in all.
func fixture() Table {
	long := string([]rune(strings.Repeat("Nguyễn ວຽງຈັນ ", 400))[:5000])
	t := Table{
		Sheet:  "Đăng ký: Hè 2025/26 [ລາວ]",
		Header: []string{"Họ và tên", "ຊື່ ແລະ ນາມສະກຸນ", "Số điện thoại", "Ghi chú", "=Tổng"},
		Rows: [][]string{
			{"Nguyễn Thị Ánh Tuyết", "ສົມພອນ ວົງສະຫວັນ", "+84 912 345 678", "Đến từ Thanh Hoá"},
			{"short"},
			{"a", "b", "c", "d", "e", "beyond the header", "\x00\x1f\uFFFEstripped\x7f"},
			{long, "ພາສາລາວ", "", "line one\nline two\r\nline three"},
			{"invalid \xff\xfe UTF-8", " leading space", "_x0041_ looks escaped", `"quoted", with comma`},
		},
	}
	for _, h := range hostile {
		t.Rows = append(t.Rows, []string{h.in, "ok", h.in})
	}
	for i := len(t.Rows); i < 2000; i++ {
		t.Rows = append(t.Rows, []string{
			fmt.Sprintf("Học viên %d", i), "ນັກຮຽນ", fmt.Sprintf("0912%06d", i), fmt.Sprintf("-%d", i),
		})
	}
	return t
}

// wantCells is the table as a reader should see it, cell by cell, with short rows padded.
func wantCells(t Table, cell func(string) string) [][]string {
	var out [][]string
	for _, row := range append([][]string{t.Header}, t.Rows...) {
		r := make([]string, max(len(row), len(t.Header)))
		for i, c := range row {
			r[i] = cell(c)
		}
		out = append(out, r)
	}
	return out
}

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Nguyễn", "Nguyễn"},
		{"ສົມພອນ", "ສົມພອນ"},
		{"=1+1", "'=1+1"},
		{"+84 912", "'+84 912"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=1", "'=1"},
		{" =1", " =1"},
		{"a=1", "a=1"},
		{"\nx", "\nx"},
	}
	for _, tt := range tests {
		if got := Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestXMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Tiếng Việt ພາສາລາວ", "Tiếng Việt ພາສາລາວ"},
		{"tab\tlf\ncr\r", "tab\tlf\ncr\r"},
		{"a\x00b\x08c\x0bd\x0ce\x1ff", "abcdef"},
		{"del\x7f and C1 \u0085 stay", "del\x7f and C1 \u0085 stay"},
		{"non\uFFFEchars\uFFFF", "nonchars"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"emoji 😀", "emoji 😀"},
	}
	for _, tt := range tests {
		if got := xmlText(tt.in); got != tt.want {
			t.Errorf("xmlText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"Ghi chú", 7},
		{"Nguye\u0302\u0303n", 6}, // decomposed: the marks take no room
		{"ສົມພອນ ວົງສະຫວັນ", 13}, // three of the sixteen runes are combining signs
		{"東京", 4},
		{"short\nlonger line\r\nmid", 11},
		{"zero\u200Bwidth\x01", 9},
		{strings.Repeat("x", 500), 60},
	}
	for _, tt := range tests {
		if got := displayWidth(tt.in, 60); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestSheetName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", DefaultSheet},
		{"Khoá hè 2025", "Khoá hè 2025"},
		{"a:b\\c/d?e*f[g]h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{" ' ", DefaultSheet},
		{"\x00\x01", DefaultSheet},
		{"history", "history_"},
		{strings.Repeat("x", 40), strings.Repeat("x", 31)},
		{strings.Repeat("x", 30) + "'y", strings.Repeat("x", 30)},
		// 30 letters and a Lao consonant whose vowel sign would fall beyond the limit: both go.
		{strings.Repeat("x", 30) + "ກິນ", strings.Repeat("x", 30)},
		// Decomposed Vietnamese is composed first, so it fits.
		{"Nguye\u0302\u0303n", "Nguyễn"},
		{strings.Repeat("😀", 16), strings.Repeat("😀", 15)},
	}
	for _, tt := range tests {
		if got := sheetName(tt.in); got != tt.want {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestXLSX_RoundTrip(t *testing.T) {
	tab := fixture()
	var buf bytes.Buffer
	if err := XLSX(&buf, tab); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	const sheet = "Đăng ký_ Hè 2025_26 _ລາວ_"
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets %q, want [%q]", got, sheet)
	}
	want := wantCells(tab, xlsxCell)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for r, wrow := range want {
		for c, w := range wrow {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			got := ""
			if c < len(rows[r]) {
				got = rows[r][c]
			}
			if got != w {
				t.Errorf("%s = %q, want %q", ref, got, w)
			}
			in := append([][]string{tab.Header}, tab.Rows...)[r]
			if c < len(in) && in[c] != "" && strings.IndexByte(dangerous, in[c][0]) >= 0 && !strings.HasPrefix(got, "'") {
				t.Errorf("%s = %q, not neutralised", ref, got)
			}
			if formula, err := f.GetCellFormula(sheet, ref); err != nil || formula != "" {
				t.Errorf("%s formula %q, %v; want none", ref, formula, err)
			}
		}
	}
	// The hostile cells as written, spelled out rather than recomputed.
	for i, h := range hostile {
		ref, _ := excelize.CoordinatesToCellName(3, 1+6+i) // header, five rows, then the hostile ones
		got, err := f.GetCellValue(sheet, ref)
		if err != nil || got != h.xlsx {
			t.Errorf("%s = %q, %v; want %q", ref, got, err, h.xlsx)
		}
		if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeInlineString {
			t.Errorf("%s type %v, want inline string", ref, typ)
		}
	}
	if got, _ := f.GetCellValue(sheet, "A5"); utf8.RuneCountInString(got) != 5000 {
		t.Errorf("A5 has %d characters, want 5000", utf8.RuneCountInString(got))
	}

	for _, ref := range []string{"A1", "E1"} {
		if !isBold(t, f, sheet, ref) {
			t.Errorf("header cell %s is not bold", ref)
		}
	}
	if isBold(t, f, sheet, "A2") {
		t.Error("data cell A2 is bold")
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v, %v; want the first row frozen", panes, err)
	}
	for col, want := range map[string]float64{"A": maxColWidth, "D": 22, "E": minColWidth} {
		if got, err := f.GetColWidth(sheet, col); err != nil || got != want {
			t.Errorf("width of %s = %v, %v; want %v", col, got, err, want)
		}
	}
}

func isBold(t *testing.T, f *excelize.File, sheet, ref string) bool {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st.Font != nil && st.Font.Bold
}

func TestXLSX_Empty(t *testing.T) {
	for name, tab := range map[string]Table{
		"nothing":   {},
		"header":    {Header: []string{"Họ và tên"}},
		"no header": {Rows: [][]string{{"a"}, {}, {"b", "c"}}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := XLSX(&buf, tab); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(DefaultSheet)
			if err != nil {
				t.Fatal(err)
			}
			var want [][]string
			if len(tab.Header) > 0 {
				want = append(want, tab.Header)
			}
			want = append(want, tab.Rows...)
			if fmt.Sprint(rows) != fmt.Sprint(want) {
				t.Errorf("rows %q, want %q", rows, want)
			}
			panes, _ := f.GetPanes(DefaultSheet)
			if panes.Freeze != (len(tab.Header) > 0) {
				t.Errorf("freeze = %v with header %q", panes.Freeze, tab.Header)
			}
		})
	}
}

func TestXLSX_TooWide(t *testing.T) {
	err := XLSX(io.Discard, Table{Header: make([]string, excelize.MaxColumns+1)})
	if err == nil {
		t.Fatal("no error for a table wider than a sheet")
	}
}

// readCSV strips the byte order mark, checks the line ends and parses what is left.
func readCSV(t *testing.T, out []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(out, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("no byte order mark: %q", out[:min(len(out), 10)])
	}
	if lf, crlf := bytes.Count(body, []byte("\n")), bytes.Count(body, []byte("\r\n")); lf != crlf {
		t.Fatalf("%d LF, of which %d in CRLF", lf, crlf)
	}
	if cr, crlf := bytes.Count(body, []byte("\r")), bytes.Count(body, []byte("\r\n")); cr != crlf {
		t.Fatalf("%d CR, of which %d in CRLF", cr, crlf)
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestCSV_RoundTrip(t *testing.T) {
	tab := fixture()
	var buf bytes.Buffer
	if err := CSV(&buf, tab); err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, buf.Bytes())
	want := wantCells(tab, csvCell)
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for r := range want {
		if len(got[r]) != len(want[r]) {
			t.Errorf("record %d has %d fields, want %d", r+1, len(got[r]), len(want[r]))
			continue
		}
		for c := range want[r] {
			if got[r][c] != want[r][c] {
				t.Errorf("record %d field %d = %q, want %q", r+1, c+1, got[r][c], want[r][c])
			}
		}
	}
	for i, h := range hostile {
		if g := got[1+5+i][2]; g != h.csv {
			t.Errorf("hostile %q = %q, want %q", h.in, g, h.csv)
		}
	}
	if g, w := got[1+4][0], "invalid \uFFFD UTF-8"; g != w {
		t.Errorf("invalid UTF-8 = %q, want %q", g, w)
	}
	if g, w := got[1+3][3], "line one\nline two\nline three"; g != w {
		t.Errorf("line breaks = %q, want %q", g, w)
	}
}

func TestCSV_EmptyLines(t *testing.T) {
	tab := Table{Rows: [][]string{{""}, {}, {"a"}}}
	var buf bytes.Buffer
	if err := CSV(&buf, tab); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "\uFEFF\"\"\r\n\"\"\r\na\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"", "=1", "+", "-", "@", "\t", "\r", "'", "Nguyễn", "ສົມພອນ", " =1", "\n="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Neutralise(s)
		if got != "" && strings.IndexByte(dangerous, got[0]) >= 0 {
			t.Fatalf("Neutralise(%q) = %q starts with %q", s, got, got[0])
		}
		if s == "" || strings.IndexByte(dangerous, s[0]) < 0 {
			if got != s {
				t.Fatalf("Neutralise(%q) = %q, want it unchanged", s, got)
			}
		} else if got != "'"+s {
			t.Fatalf("Neutralise(%q) = %q, want %q", s, got, "'"+s)
		}
		if again := Neutralise(got); again != got {
			t.Fatalf("Neutralise(%q) = %q, not idempotent", got, again)
		}
	})
}

func FuzzCSV_RoundTrip(f *testing.F) {
	f.Add("Họ và tên", "=1+1", "ສົມພອນ")
	f.Add("", "", "")
	f.Add("\r", "a\r\nb", "\"")
	f.Add("\xff", `\.`, " x")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		tab := Table{Header: []string{a, b}, Rows: [][]string{{a, b, c}, {c}, {}, {b}}}
		var buf bytes.Buffer
		if err := CSV(&buf, tab); err != nil {
			t.Fatal(err)
		}
		got, want := readCSV(t, buf.Bytes()), wantCells(tab, csvCell)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("read back %q, want %q", got, want)
		}
		for _, rec := range got {
			for _, cell := range rec {
				if cell != "" && strings.IndexByte(dangerous, cell[0]) >= 0 {
					t.Fatalf("cell %q not neutralised", cell)
				}
				if !utf8.ValidString(cell) {
					t.Fatalf("cell %q is not UTF-8", cell)
				}
			}
		}
	})
}

// FuzzXLSX_Cell checks that no input corrupts the file: whatever a user typed opens again, as text, with
// only the characters XML forbids dropped.
func FuzzXLSX_Cell(f *testing.F) {
	f.Add("=1+1")
	f.Add("\x00\x01\x1f")
	f.Add("_x0041_ & <b> ]]>")
	f.Add(" Nguyễn ວຽງຈັນ \r\n")
	f.Add("\xff\uFFFE")
	f.Fuzz(func(t *testing.T, s string) {
		if len(utf16.Encode([]rune(s))) > excelize.TotalCellChars {
			t.Skip("longer than a cell holds")
		}
		var buf bytes.Buffer
		if err := XLSX(&buf, Table{Sheet: s, Header: []string{s}, Rows: [][]string{{s}}}); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer x.Close()
		want := xlsxCell(s)
		for _, ref := range []string{"A1", "A2"} {
			got, err := x.GetCellValue(sheetName(s), ref)
			if err != nil || got != want {
				t.Fatalf("%s = %q, %v; want %q", ref, got, err, want)
			}
		}
	})
}

func FuzzSheetName(f *testing.F) {
	for _, s := range []string{"", "History", "'a'", "a:b", "A\n\u0344", strings.Repeat("ກິ", 20), "Nguye\u0302\u0303n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name := sheetName(s)
		n := len(utf16.Encode([]rune(name)))
		switch {
		case !utf8.ValidString(name), name == "", n > 31,
			strings.ContainsAny(name, `:\/?*[]`), strings.HasPrefix(name, "'"), strings.HasSuffix(name, "'"),
			strings.EqualFold(name, "History"), strings.IndexFunc(name, unicode.IsControl) >= 0:
			t.Fatalf("sheetName(%q) = %q breaks Excel's rules", s, name)
		}
		if sheetName(name) != name {
			t.Fatalf("sheetName(%q) = %q, but sheetName(%q) = %q", s, name, name, sheetName(name))
		}
	})
}

func BenchmarkExport(b *testing.B) {
	const rows = 10000
	tab := Table{Sheet: "Khoá hè", Header: []string{"Mã", "Họ và tên", "ຊື່", "Điện thoại", "Email", "Ngày sinh", "Ghi chú"}}
	for i := range rows {
		tab.Rows = append(tab.Rows, []string{
			fmt.Sprintf("HN-%05d", i), "Nguyễn Thị Ánh Tuyết", "ສົມພອນ ວົງສະຫວັນ", "+84 912 345 678",
			"tuyet@example.com", "12/03/2004", "Đến từ Thanh Hoá, muốn học tiếng Lào",
		})
	}
	for name, write := range map[string]func(io.Writer, Table) error{"XLSX": XLSX, "CSV": CSV} {
		b.Run(name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				if err := write(io.Discard, tab); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n*rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
