package iamtest

import (
	"net/http"
	"strings"
	"sync"
)

// ResourceManager is a local Resource Manager for GET
// /v2/resource_groups/{id}: bearer tokens signed by the IAM test server,
// groups of the token's account only (404 for another's, as for an unknown
// one), the reply shape of resourcemanagerv2's ResourceGroup, and scripted
// failures per group. It is served on the Resource Controller's host
// (ResourceController.RM), where IBM Cloud serves it.
type ResourceManager struct {
	iam *Server

	mu       sync.Mutex
	groups   map[string]ResourceGroup
	failures map[string]Reply
	requests []string
}

// ResourceGroup is a resource group the server holds.
type ResourceGroup struct {
	ID, Name, Account string
}

// NewResourceManager is a Resource Manager that trusts tokens signed by
// iam, with no group.
func NewResourceManager(iam *Server) *ResourceManager {
	return &ResourceManager{iam: iam, groups: map[string]ResourceGroup{}, failures: map[string]Reply{}}
}

// AddGroup registers resource groups.
func (rm *ResourceManager) AddGroup(list ...ResourceGroup) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, g := range list {
		rm.groups[g.ID] = g
	}
}

// Fail answers every request for the group id with r (its status, body,
// delay; Reset to close the connection) instead of the group.
func (rm *ResourceManager) Fail(id string, r Reply) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.failures[id] = r
}

// Requests lists the group IDs asked for, in order.
func (rm *ResourceManager) Requests() []string {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return append([]string(nil), rm.requests...)
}

func (rm *ResourceManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/v2/resource_groups/")
	if r.Method != http.MethodGet || !ok || id == "" || strings.Contains(id, "/") {
		rmError(w, http.StatusNotFound, "RG-NotFound", "Not found")
		return
	}
	access, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := decodeClaims(access)
	if !ok || err != nil || !rm.iam.Verify(access) {
		rmError(w, http.StatusUnauthorized, "RG-IamErrorResponse", "Unauthorized")
		return
	}
	account := ""
	if a, ok := claims["account"].(map[string]any); ok {
		account, _ = a["bss"].(string)
	}
	rm.mu.Lock()
	rm.requests = append(rm.requests, id)
	g, known := rm.groups[id]
	fail, failing := rm.failures[id]
	rm.mu.Unlock()
	if failing {
		serveScripted(w, &fail)
		return
	}
	if !known || g.Account != account {
		rmError(w, http.StatusNotFound, "RG-ResourceGroupNotFound", "The resource group "+id+" was not found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": g.ID, "crn": "crn:v1:bluemix:public:resource-controller::a/" + g.Account + "::resource-group:" + g.ID,
		"account_id": g.Account, "name": g.Name, "state": "ACTIVE", "default": g.Name == "Default",
		"quota_id": "a3d7b8d01e261c24677937c29ab33f3c", "quota_url": "/v2/quota_definitions/a3d7b8d01e261c24677937c29ab33f3c",
		"payment_methods_url": "/v2/resource_groups/" + g.ID + "/payment_methods",
		"resource_linkages":   []any{}, "teams_url": "/v2/resource_groups/" + g.ID + "/teams",
		"created_at": "2026-01-05T10:00:00.000Z", "updated_at": "2026-01-05T10:00:00.000Z",
	})
}

// rmError is the Resource Manager's error shape.
func rmError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "status_code": status, "error_code": code,
		"transaction_id": randomToken()[:32]})
}
