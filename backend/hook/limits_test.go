package hook

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestFrontendKnowsTheAlertRecipientLimit: the endpoint screen refuses an address over the limit
// before the save (frontend/src/api/types.ts MAX_ALERT_RECIPIENTS); it must be this package's.
func TestFrontendKnowsTheAlertRecipientLimit(t *testing.T) {
	const file = "../../frontend/src/api/types.ts"
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("export const MAX_ALERT_RECIPIENTS = %d;", MaxAlertRecipients)
	if !strings.Contains(string(src), want) {
		t.Errorf("%s does not say %q: keep it equal to hook.MaxAlertRecipients", file, want)
	}
}
