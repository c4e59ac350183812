package api

import (
	"net/http"
	"strconv"
)

// listNotifications is GET /api/notifications (?unread=true, ?limit=): in-app notifications, newest first.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		writeError(w, err)
		return
	}
	unread, _ := strconv.ParseBool(r.URL.Query().Get("unread"))
	list, err := s.db.Notifications(r.Context(), unread, pageLimit(limit))
	if err != nil {
		writeError(w, err)
		return
	}
	n, err := s.db.UnreadCount(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": wireAll(list, wireNotification), "unread": n})
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.eng.MarkNotificationRead(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "read": true})
}
