package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps files as objects of one bucket of an S3-compatible server
// (AWS S3, MinIO, versitygw, Ceph…); the key is the object name and the
// content type is the object's.
type S3 struct {
	client   *minio.Client
	bucket   string
	endpoint string
}

// PartSize is the part size of multipart uploads, S3's minimum (5 MiB). A
// Put of known size above it goes up in parts; a Put of unknown size (-1)
// always does, holding one part in memory at a time, which caps such a
// file at 10,000 parts (about 48 GiB).
const PartSize = 5 << 20

// openCheckTimeout bounds Open's check of the bucket.
const openCheckTimeout = 15 * time.Second

type s3Config struct {
	endpoint, bucket, region string
	secure                   bool
	creds                    *credentials.Credentials
}

func parseS3URL(raw string) (s3Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, secret included
		}
		return s3Config{}, fmt.Errorf("files: storage URL %s is not valid: %v", redact(raw), err)
	}
	where := redact(raw)
	cfg := s3Config{endpoint: u.Host, secure: true}
	if u.Host == "" || u.Hostname() == "" {
		return cfg, fmt.Errorf("files: storage URL %s has no host", where)
	}
	cfg.bucket = strings.Trim(u.Path, "/")
	if cfg.bucket == "" {
		return cfg, fmt.Errorf("files: storage URL %s names no bucket: use s3://ACCESS:SECRET@host:port/bucket", where)
	}
	if strings.Contains(cfg.bucket, "/") {
		return cfg, fmt.Errorf("files: storage URL %s: the path must be the bucket alone", where)
	}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "secure":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("files: storage URL %s: secure must be true or false", where)
			}
			cfg.secure = b
		case "region":
			cfg.region = v
		default:
			return cfg, fmt.Errorf("files: storage URL %s: unknown parameter %q (known: secure, region)", where, k)
		}
	}
	if u.User != nil {
		secret, ok := u.User.Password()
		if !ok || u.User.Username() == "" || secret == "" {
			return cfg, fmt.Errorf("files: storage URL %s: write the credentials as ACCESS:SECRET@", where)
		}
		cfg.creds = credentials.NewStaticV4(u.User.Username(), secret, "")
	} else {
		cfg.creds = credentials.NewEnvAWS()
	}
	return cfg, nil
}

func openS3(ctx context.Context, cfg s3Config) (*S3, error) {
	opts := func(retries int) *minio.Options {
		return &minio.Options{Creds: cfg.creds, Secure: cfg.secure, Region: cfg.region, MaxRetries: retries}
	}
	client, err := minio.New(cfg.endpoint, opts(0))
	if err != nil {
		return nil, fmt.Errorf("files: S3 endpoint %s: %w", cfg.endpoint, err)
	}
	s := &S3{client: client, bucket: cfg.bucket, endpoint: cfg.endpoint}

	// The check uses a client that retries little, so that a wrong address
	// fails start in a second or two rather than after minio-go's ten
	// retries.
	probe, err := minio.New(cfg.endpoint, opts(2))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, openCheckTimeout)
	defer cancel()
	ok, err := probe.BucketExists(ctx, cfg.bucket)
	if err != nil {
		return nil, fmt.Errorf("files: cannot use S3 bucket %q at %s: %w", cfg.bucket, s.where(cfg.secure), err)
	}
	if !ok {
		// minio-go also reads a bare 404 as "no such bucket", so a web server
		// that is not S3 ends here too.
		return nil, fmt.Errorf("files: S3 bucket %q does not exist at %s (create it first, and check that this address is an S3 server)", cfg.bucket, s.where(cfg.secure))
	}
	return s, nil
}

func (s *S3) where(secure bool) string {
	if secure {
		return "https://" + s.endpoint
	}
	return "http://" + s.endpoint
}

// String names the store for logs, without credentials.
func (s *S3) String() string { return "s3://" + s.endpoint + "/" + s.bucket }

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	ct, err := contentType(ct)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: ct, PartSize: PartSize})
	if err != nil {
		return fmt.Errorf("files: put %q: %w", key, err)
	}
	return nil
}

// Get implements Store. The reader is a *minio.Object, which also seeks.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s.err("get", key, err)
	}
	// GetObject is lazy: Stat sends the request and reports a missing key.
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, s.err("get", key, err)
	}
	return obj, info(key, oi), nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.err("stat", key, err)
	}
	return info(key, oi), nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(s.err("delete", key, err), ErrNotFound) {
		return s.err("delete", key, err)
	}
	return nil
}

func info(key string, oi minio.ObjectInfo) Info {
	ct := oi.ContentType
	if ct == "" {
		ct = defaultContentType
	}
	return Info{Key: key, Size: oi.Size, ContentType: ct, ModTime: oi.LastModified}
}

func (s *S3) err(op, key string, err error) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && (resp.Code == minio.NoSuchKey || resp.Code == "NotFound") {
		return fmt.Errorf("files: %s %q: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("files: %s %q in bucket %q: %w", op, key, s.bucket, err)
}
