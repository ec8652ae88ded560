-- wrk script: POSTs one AdmissionReview (the file named by $REVIEW_BODY) on every request,
-- as the API server does, over the connections wrk keeps alive.
local file = assert(io.open(os.getenv("REVIEW_BODY"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, */*"
