package kpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strconv"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// PageSize is the limit of each page when the path names none: Key
// Protect's own default.
const PageSize = 200

// Collection is every page of a collection joined: the first page's
// metadata, with collectionTotal counting them all, and every resource, as
// Key Protect wrote it.
type Collection struct {
	Metadata  map[string]json.RawMessage
	Resources []json.RawMessage
	Pages     int
}

// page is one page of a collection. Resources is a pointer so that an
// answer without them (not a collection) is told from an empty page.
type page struct {
	Metadata  map[string]json.RawMessage `json:"metadata"`
	Resources *[]json.RawMessage         `json:"resources"`
}

// Paginate reads every page of the GET collection p names, following
// offset and limit (the path's own, else from 0 by PageSize) until a page
// comes back short or Key Protect's totalCount is reached. Each page's
// resources are decoded as raw JSON and appended, and the page is then
// dropped: the memory held is the collection itself. With maxPages > 0,
// more pages than that is a failure.
//
// When Key Protect refuses a page, its answer is returned, with no
// collection; when the first answer is not a collection (a single key,
// say), it is returned as it is.
func (c *Client) Paginate(ctx context.Context, p *Prepared, u *url.URL, maxPages int) (*Response, *Collection, error) {
	q, err := url.ParseQuery(u.RawQuery)
	invalid := failure.Usagef("api_path_invalid", map[string]any{"Path": output.SafeLine(u.EscapedPath() + "?" + u.RawQuery)})
	if err != nil {
		return nil, nil, invalid.Wrap(err)
	}
	offset, limit := 0, PageSize
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return nil, nil, invalid
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return nil, nil, invalid
		}
	}
	all := &Collection{}
	for {
		q.Set("offset", strconv.Itoa(offset))
		q.Set("limit", strconv.Itoa(limit))
		next := *u
		next.RawQuery = q.Encode()
		resp, err := c.Do(ctx, p, &next)
		if err != nil {
			return nil, nil, err
		}
		if !resp.OK() {
			return resp, nil, nil
		}
		var pg page
		if err := decode(resp.Body, &pg); err != nil || pg.Resources == nil {
			if all.Pages == 0 {
				return resp, nil, nil
			}
			return nil, nil, failure.New("api_page_not_collection", map[string]any{"Page": all.Pages + 1, "URL": c.Endpoint}).
				WithRemedy("net_unexpected_remedy", map[string]any{"Service": failure.ServiceKeyProtect})
		}
		all.Pages++
		if all.Metadata == nil {
			all.Metadata = pg.Metadata
		}
		n := len(*pg.Resources)
		all.Resources = append(all.Resources, *pg.Resources...)
		if n < limit || reached(pg.Metadata, offset+n) {
			break
		}
		if maxPages > 0 && all.Pages >= maxPages {
			return nil, nil, failure.New("api_more_pages", map[string]any{"Pages": all.Pages, "Count": len(all.Resources)}).
				WithRemedy("api_more_pages_remedy", nil)
		}
		offset += n
	}
	if all.Metadata == nil {
		all.Metadata = map[string]json.RawMessage{}
	}
	all.Metadata["collectionTotal"] = json.RawMessage(strconv.Itoa(len(all.Resources)))
	return nil, all, nil
}

// reached reports whether Key Protect's totalCount (asked for with
// totalCount=true) says no resource is left after the first read ones.
func reached(meta map[string]json.RawMessage, read int) bool {
	var total int
	return meta["totalCount"] != nil && json.Unmarshal(meta["totalCount"], &total) == nil && read >= total
}

// decode reads one JSON document, and nothing after it.
func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return &json.SyntaxError{Offset: d.InputOffset()}
	}
	return nil
}

// WriteTo writes the collection as one compact JSON document.
func (c *Collection) WriteTo(w io.Writer) (int64, error) {
	meta, err := json.Marshal(c.Metadata)
	if err != nil {
		return 0, err
	}
	var n int64
	write := func(b []byte) {
		if err == nil {
			var k int
			k, err = w.Write(b)
			n += int64(k)
		}
	}
	write([]byte(`{"metadata":`))
	write(meta)
	write([]byte(`,"resources":[`))
	for i, r := range c.Resources {
		if i > 0 {
			write([]byte{','})
		}
		write(r)
	}
	write([]byte("]}\n"))
	return n, err
}
