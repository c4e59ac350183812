package hook

import "github.com/flowdesk/flowdesk/backend/property"

// Property data types a mapping converts to: the record property types of package property,
// whose conversion rules a mapping shares with every other write.
const (
	TypeString = property.String
	TypeNumber = property.Number
	TypeBool   = property.Bool
	TypeDate   = property.Date
	TypeEnum   = property.Enum
	TypeMulti  = property.Multi
)

// Types lists the mapping types in the order the UI offers them.
var Types = property.Types

// MaxStringValue caps a mapped string (bytes).
const MaxStringValue = property.MaxString

// MaxMultiValues caps the elements of a multi-value property.
const MaxMultiValues = property.MaxMulti

// convert turns a payload value into a property value of type typ. The error is a sentence
// about the value; the caller prefixes the path.
func convert(v any, typ string, values []string) (any, error) {
	return property.Convert(v, typ, values)
}

func quote(v any) string { return property.Quote(v) }

func toString(v any) (string, error) { return property.ToText(v) }

func toDate(v any) (string, error) { return property.ToDate(v) }
