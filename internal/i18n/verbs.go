package i18n

import "fmt"

// Verbs lists the fmt arguments a format string uses: argument number
// (from 1) to its verb. Two translations of a message must use the same
// arguments with the same verbs, whatever their order in the sentence.
func Verbs(format string) (map[int]string, error) {
	out := map[int]string{}
	arg := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		for i < len(format) && isFlag(format[i]) {
			i++
		}
		if i < len(format) && format[i] == '[' {
			j := i + 1
			n := 0
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				n = n*10 + int(format[j]-'0')
				j++
			}
			if j >= len(format) || format[j] != ']' || n == 0 {
				return nil, fmt.Errorf("bad argument index at byte %d", i)
			}
			arg, i = n, j+1
		}
		for i < len(format) && (format[i] >= '0' && format[i] <= '9' || format[i] == '.') {
			i++
		}
		if i >= len(format) {
			return nil, fmt.Errorf("%% at the end with no verb")
		}
		v := string(format[i])
		if old, ok := out[arg]; ok && old != v {
			return nil, fmt.Errorf("argument %d used as %%%s and %%%s", arg, old, v)
		}
		out[arg] = v
		arg++
	}
	return out, nil
}

func isFlag(c byte) bool { return c == '+' || c == '-' || c == '#' || c == ' ' || c == '0' }
