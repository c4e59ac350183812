// Package hook is Flowdesk's incoming-webhook listener: POST /hooks/{key} per endpoint, with
// Standard Webhooks signatures or an API key, body and content-type limits, a mapping from JSON
// payload paths to typed record properties, filters, replay protection, capture mode, delayed
// enrollment, and auto-disable after repeated failures. Accepted deliveries become events through
// engine.IngestWith, so the raw request and the event commit in one transaction before the 2xx.
package hook
