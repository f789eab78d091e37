package kp

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/IBM/platform-services-go-sdk/resourcemanagerv2"
)

// Groups reads resource group names from the Resource Manager, which IBM
// Cloud serves on the Resource Controller's host: URL is
// ResourceControllerURL's, so RESOURCE_CONTROLLER_URL and the private
// endpoint rules apply to it too.
type Groups struct {
	URL     string
	Token   string // the access token, without "Bearer "
	Client  *http.Client
	Timeout time.Duration
}

// Name returns the name of the resource group id. When it cannot, status
// is the Resource Manager's HTTP status (200 for a reply that is not the
// group), or 0 when it did not answer.
func (g *Groups) Name(ctx context.Context, id string) (name string, status int, err error) {
	auth, err := core.NewBearerTokenAuthenticator(g.Token)
	if err != nil {
		return "", 0, err
	}
	rm, err := resourcemanagerv2.NewResourceManagerV2(&resourcemanagerv2.ResourceManagerV2Options{URL: g.URL, Authenticator: auth})
	if err != nil {
		return "", 0, err
	}
	rm.Service.SetHTTPClient(g.Client)
	group, resp, err := rm.GetResourceGroupWithContext(ctx, rm.NewGetResourceGroupOptions(id))
	if err != nil {
		var hp *core.HTTPProblem
		if errors.As(err, &hp) && hp.Response != nil {
			return "", hp.Response.GetStatusCode(), err
		}
		if resp != nil && resp.StatusCode >= 400 {
			return "", resp.StatusCode, err
		}
		return "", 0, err
	}
	// Another group than the one asked for, or a nameless one, is not an
	// answer to the question.
	if group == nil || deref(group.Name) == "" || (group.ID != nil && *group.ID != id) {
		return "", resp.StatusCode, errors.New("the Resource Manager's reply is not the resource group asked for")
	}
	return *group.Name, 0, nil
}
