package iamtest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// ResourceController is a local Resource Controller-compatible server for
// GET /v2/resource_instances: bearer tokens signed by the IAM test server,
// the name, resource_id and resource_group_id filters, limit/start paging,
// and the reply shape (rows_count, next_url, resources[]); and for GET
// /v2/resource_instances/{guid or crn}, one instance of the token's
// account. The Resource Manager shares its host, as IBM Cloud's does: GET
// /v2/resource_groups/{id} goes to RM.
type ResourceController struct {
	*httptest.Server
	iam *Server
	// RM answers the Resource Manager's paths on the same host.
	RM *ResourceManager

	mu        sync.Mutex
	instances []RCInstance
	requests  []url.Values
	pageSize  int
	nextHost  string
}

// RCInstance is a service instance the server holds.
type RCInstance struct {
	GUID, Name, Region, ResourceGroup, ResourceID, Account string
}

// CRN is the instance's CRN.
func (i RCInstance) CRN() string {
	service := "kms"
	if i.ResourceID != KeyProtectResourceID {
		service = "cloud-object-storage"
	}
	return "crn:v1:bluemix:public:" + service + ":" + i.Region + ":a/" + i.Account + ":" + i.GUID + "::"
}

// KeyProtectResourceID is Key Protect's resource_id in the global catalog.
const KeyProtectResourceID = "ee41347f-b18e-4ca6-bf80-b5467c63f9a6"

// NewResourceController starts a server that trusts tokens signed by iam.
func NewResourceController(iam *Server) *ResourceController {
	rc := &ResourceController{iam: iam, RM: NewResourceManager(iam)}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.route))
	return rc
}

// SetPaging makes list pages hold at most size instances (0: the API's
// limit, at most 100), and, with nextHost, writes next_url as an absolute
// URL on that host, as a server in a hostile party's hands would to draw
// the token elsewhere.
func (rc *ResourceController) SetPaging(size int, nextHost string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.pageSize, rc.nextHost = size, nextHost
}

func (rc *ResourceController) route(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v2/resource_groups") {
		rc.RM.ServeHTTP(w, r)
		return
	}
	rc.serve(w, r)
}

// IAM is the IAM server whose tokens the controller accepts.
func (rc *ResourceController) IAM() *Server { return rc.iam }

// Add registers instances.
func (rc *ResourceController) Add(list ...RCInstance) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.instances = append(rc.instances, list...)
}

// Replace sets the instances the server holds.
func (rc *ResourceController) Replace(list ...RCInstance) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.instances = list
}

// Count is the number of list requests seen.
func (rc *ResourceController) Count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.requests)
}

func (rc *ResourceController) serve(w http.ResponseWriter, r *http.Request) {
	id, one := strings.CutPrefix(r.URL.Path, "/v2/resource_instances/")
	if r.Method != http.MethodGet || (r.URL.Path != "/v2/resource_instances" && !one) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not found", "status_code": 404})
		return
	}
	access, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := decodeClaims(access)
	if !ok || err != nil || !rc.iam.Verify(access) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "status_code": 401, "error_code": "RC-IamErrorResponse"})
		return
	}
	account := ""
	if a, ok := claims["account"].(map[string]any); ok {
		account, _ = a["bss"].(string)
	}
	if one {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, i := range rc.instances {
			if i.Account == account && (i.GUID == id || i.CRN() == id) {
				writeJSON(w, http.StatusOK, i.json())
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Instance not found", "status_code": 404})
		return
	}
	q := r.URL.Query()
	rc.mu.Lock()
	rc.requests = append(rc.requests, q)
	var match []RCInstance
	for _, i := range rc.instances {
		if i.Account != account || (q.Get("name") != "" && i.Name != q.Get("name")) ||
			(q.Get("resource_id") != "" && i.ResourceID != q.Get("resource_id")) ||
			(q.Get("resource_group_id") != "" && i.ResourceGroup != q.Get("resource_group_id")) {
			continue
		}
		match = append(match, i)
	}
	size, nextHost := rc.pageSize, rc.nextHost
	rc.mu.Unlock()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	if size > 0 {
		limit = min(limit, size)
	}
	start, _ := strconv.Atoi(q.Get("start"))
	end := min(start+limit, len(match))
	if start > end {
		start = end
	}
	var next any
	if end < len(match) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("start", strconv.Itoa(end))
		next = nextHost + "/v2/resource_instances?" + nq.Encode()
	}
	resources := []any{}
	for _, i := range match[start:end] {
		resources = append(resources, map[string]any{
			"id": i.CRN(), "guid": i.GUID, "crn": i.CRN(), "name": i.Name, "region_id": i.Region, "account_id": i.Account,
			"resource_group_id": i.ResourceGroup, "resource_id": i.ResourceID, "resource_plan_id": "eedd3585-90c6-4c8f-a6a2-a8b4b6e7a7b4",
			"type": "service_instance", "state": "active",
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"rows_count": len(resources), "next_url": next, "resources": resources})
}

// json is the instance as GET /v2/resource_instances/{id} gives it.
func (i RCInstance) json() map[string]any {
	return map[string]any{
		"id": i.CRN(), "guid": i.GUID, "crn": i.CRN(), "name": i.Name, "region_id": i.Region, "account_id": i.Account,
		"resource_group_id": i.ResourceGroup, "resource_id": i.ResourceID, "resource_plan_id": "eedd3585-90c6-4c8f-a6a2-a8b4b6e7a7b4",
		"type": "service_instance", "state": "active",
	}
}
