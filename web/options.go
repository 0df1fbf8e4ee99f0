package web

import (
	"html/template"
	"strings"

	ch "chapterhouse"
)

// The country and time zone lists have hundreds of entries; rendering them
// option by option through the template engine took half of the directory
// page's time, so their HTML is built once.
var (
	countryOptionsHTML = func() string {
		var b strings.Builder
		for _, c := range ch.Countries {
			b.WriteString(`<option value="` + c.Code + `">` + template.HTMLEscapeString(c.Name) + `</option>`)
		}
		return b.String()
	}()
	timeZoneOptionsHTML = func() string {
		var b strings.Builder
		for _, z := range ch.TimeZones {
			b.WriteString(`<option value="` + template.HTMLEscapeString(z) + `"></option>`)
		}
		return b.String()
	}()
)

// countryOptions is the <option> list of countries with selected chosen.
func countryOptions(selected string) template.HTML {
	if _, ok := ch.CountryName(selected); ok {
		code := strings.ToUpper(selected)
		return template.HTML(strings.Replace(countryOptionsHTML, `value="`+code+`"`, `value="`+code+`" selected`, 1))
	}
	return template.HTML(countryOptionsHTML)
}

func timeZoneOptions() template.HTML { return template.HTML(timeZoneOptionsHTML) }
