package api

import (
	"errors"
	"net/http"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Routes of the declared properties and object types (the Properties screen).
func (s *Server) propertyRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/properties", s.listProperties)
	m.HandleFunc("POST /api/properties", s.createProperty)
	m.HandleFunc("PATCH /api/properties/{object}/{name}", s.updateProperty)
	m.HandleFunc("DELETE /api/properties/{object}/{name}", s.deleteProperty)
	m.HandleFunc("GET /api/objects", s.listObjects)
	m.HandleFunc("POST /api/objects", s.createObject)
}

// MaxPropertyBody caps a property or object declaration.
const MaxPropertyBody = 256 << 10

func (s *Server) listProperties(w http.ResponseWriter, r *http.Request) {
	object := r.URL.Query().Get("object")
	if object != "" && !contains(s.eng.Objects(), object) {
		e := apiError(http.StatusBadRequest, "bad_query", "object %q is not a known object type", object)
		e.Details = map[string]any{"field": "object"}
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"properties": nonNil(wireAll(s.eng.PropertyList(object), propertyValue)), "types": property.Types})
}

func (s *Server) createProperty(w http.ResponseWriter, r *http.Request) {
	var in propertyJSON
	if err := decode(w, r, MaxPropertyBody, &in); err != nil {
		writeError(w, err)
		return
	}
	p := store.Property{Object: in.Object, Name: in.Name, Type: in.Type, Label: in.Label, Options: in.Options, Unique: in.Unique}
	if p.Object == "" {
		p.Object = "contact"
	}
	out, err := s.eng.CreateProperty(r.Context(), p)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"property": propertyValue(out)})
}

func (s *Server) updateProperty(w http.ResponseWriter, r *http.Request) {
	var patch engine.PropertyPatch
	if err := decode(w, r, MaxPropertyBody, &patch); err != nil {
		writeError(w, err)
		return
	}
	p, converted, err := s.eng.UpdateProperty(r.Context(), r.PathValue("object"), r.PathValue("name"), patch)
	var ce *engine.ConvertError
	if errors.As(err, &ce) {
		e := apiError(http.StatusConflict, "values_do_not_convert", "%s", ce.Error())
		e.Details = map[string]any{"field": "type", "count": ce.Count, "records": ce.Records}
		writeError(w, e)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"property": propertyValue(p), "converted": converted})
}

func (s *Server) deleteProperty(w http.ResponseWriter, r *http.Request) {
	object, name := r.PathValue("object"), r.PathValue("name")
	users, err := s.endpoints.PropertyUsers(r.Context(), object, name)
	if err != nil {
		writeError(w, err)
		return
	}
	err = s.eng.DeleteProperty(r.Context(), object, name, users)
	var iu *engine.InUseError
	if errors.As(err, &iu) {
		e := apiError(http.StatusConflict, "in_use", "%s", iu.Error())
		e.Details = map[string]any{"used_by": iu.Users}
		writeError(w, e)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listObjects(w http.ResponseWriter, r *http.Request) {
	objs, err := s.db.ObjectTypeList(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"objects": nonNil(wireAll(objs, objectValue))})
}

func (s *Server) createObject(w http.ResponseWriter, r *http.Request) {
	var in objectJSON
	if err := decode(w, r, MaxPropertyBody, &in); err != nil {
		writeError(w, err)
		return
	}
	o := store.ObjectType{Name: in.Name, Label: in.Label, Primary: in.Primary, Builtin: in.Builtin}
	out, err := s.eng.CreateObject(r.Context(), o)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"object": objectValue(out)})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
