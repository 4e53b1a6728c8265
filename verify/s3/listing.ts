// Listing a bucket folder page by page (the SDK paginator), and refusing the two answers that
// would make a listing wrong without an error: a continuation token asked for before (the same
// page forever; the paginator's stopOnSameToken alone would end it silently, as if complete),
// and IsTruncated with no token (the rest unreachable, silently dropped). Pages are also bounded,
// so that an endpoint inventing new tokens cannot keep a one-pass run going. Every listing of
// verify (log folders, account roots, digest folders) goes through here.
import { paginateListObjectsV2, type ListObjectsV2CommandOutput, type S3Client } from "@aws-sdk/client-s3";
import { toVerifyError } from "../aws-errors";
import { ListingError } from "../errors";

/** 10 000 pages of 1000 keys: two orders of magnitude past the busiest CloudTrail day folder. */
export const MAX_LIST_PAGES = 10_000;

export interface ListRequest {
  Bucket: string;
  Prefix: string;
  StartAfter?: string;
  Delimiter?: string;
}

export interface ListOptions {
  /** @default none */
  signal?: AbortSignal;
  /**
   * Pages past this end the listing with ListingError ("too-many-pages").
   * @default MAX_LIST_PAGES
   */
  maxPages?: number;
}

/** The pages of one listing; throws ListingError (exit 3) when the endpoint answers as S3 never does. */
export async function* listPages(
  s3: S3Client,
  request: ListRequest,
  options: ListOptions = {},
): AsyncGenerator<ListObjectsV2CommandOutput> {
  const maxPages = options.maxPages ?? MAX_LIST_PAGES;
  const asked = new Set<string>();
  let pages = 0;
  const pager = paginateListObjectsV2({ client: s3, stopOnSameToken: true }, { ...request }, { abortSignal: options.signal });
  for (;;) {
    let next: IteratorResult<ListObjectsV2CommandOutput, undefined>;
    try {
      next = await pager.next();
    } catch (err) {
      throw toVerifyError("ListObjectsV2", `s3://${request.Bucket}/${request.Prefix}`, err);
    }
    if (next.done) return;
    const page = next.value;
    pages += 1;
    yield page;
    const token = page.NextContinuationToken;
    if (page.IsTruncated && !token) throw new ListingError(request.Bucket, request.Prefix, "truncated-without-token", pages);
    if (!token) return;
    if (asked.has(token)) throw new ListingError(request.Bucket, request.Prefix, "repeated-token", pages);
    if (pages >= maxPages) throw new ListingError(request.Bucket, request.Prefix, "too-many-pages", pages);
    asked.add(token);
  }
}
