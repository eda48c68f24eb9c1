"""A Spark Connect client for the session a stack keeps current, to copy into a notebook or a job.

It reads the session's ARN from the SSM parameter the stack keeps (`parameterName`), checks that the
session is still usable, asks GetSessionEndpoint for the URL and a one-hour auth token, and builds
the Spark Connect URL. The token is refreshed five minutes before it expires, and never printed.

Install (the PySpark version must match the session's Spark: 3.5.6 on emr-7.13.0):

    pip install "boto3>=1.43.11" "pyspark[connect]==3.5.6"

Run:

    python3 examples/client.py /EmrServerlessSessionExample/session-arn            # connect, SELECT 1
    python3 examples/client.py /EmrServerlessSessionExample/session-arn --url-only # no PySpark needed

The caller needs ssm:GetParameter on the parameter and what `grantConnect` grants on the session.
"""

import argparse
import datetime
import sys
from urllib.parse import urlparse

import boto3

# The states in which a session accepts a client (the library's "ready" states).
USABLE_STATES = ("STARTED", "IDLE", "BUSY")
# How long before the token expires a new one is asked for.
REFRESH_BEFORE = datetime.timedelta(minutes=5)


class SessionNotUsable(Exception):
    """The session the parameter names has ended, or has not started yet."""


def current_session(ssm, parameter_name):
    """The application id and session id of the session the parameter holds now."""
    arn = ssm.get_parameter(Name=parameter_name)["Parameter"]["Value"]
    # arn:<partition>:emr-serverless:<region>:<account>:/applications/<application id>/sessions/<session id>
    parts = arn.split("/")
    return parts[-3], parts[-1]


def check_usable(emr, application_id, session_id):
    """The session's state, or SessionNotUsable with what to do about it."""
    session = emr.get_session(applicationId=application_id, sessionId=session_id)["session"]
    state = session["state"]
    if state not in USABLE_STATES:
        raise SessionNotUsable(
            f"session {session_id} is {state} ({session.get('stateDetails', 'no details')}): "
            "deploy the stack again with a new renewal token for a new session, then run this again"
        )
    return state


def spark_connect_url(endpoint_url, token):
    """The Spark Connect URL: the endpoint's host on port 443 (without it, PySpark tries 15002)."""
    host = urlparse(endpoint_url).hostname or endpoint_url
    return f"sc://{host}:443/;use_ssl=true;x-aws-proxy-auth={token}"


class EndpointToken:
    """The session's endpoint and its auth token, asked for again five minutes before it expires."""

    def __init__(self, emr, application_id, session_id, now=lambda: datetime.datetime.now(datetime.timezone.utc)):
        self._emr = emr
        self._ids = {"applicationId": application_id, "sessionId": session_id}
        self._now = now
        self._refresh()

    def _refresh(self):
        answer = self._emr.get_session_endpoint(**self._ids)
        self.endpoint = answer["endpoint"]
        self._token = answer["authToken"]
        self.expires_at = answer["authTokenExpiresAt"]
        self.refresh_at = self.expires_at - REFRESH_BEFORE

    def token(self):
        """A token valid for at least five more minutes."""
        if self._now() >= self.refresh_at:
            self._refresh()
        return self._token

    def url(self):
        return spark_connect_url(self.endpoint, self.token())


def redacted(url):
    """The URL without its token, to print."""
    return url.split("x-aws-proxy-auth=")[0] + "x-aws-proxy-auth=<redacted>"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parameter_name", help="the SSM parameter that holds the session's ARN")
    parser.add_argument("--url-only", action="store_true", help="print the Spark Connect URL (token redacted) and stop")
    args = parser.parse_args(argv)

    application_id, session_id = current_session(boto3.client("ssm"), args.parameter_name)
    emr = boto3.client("emr-serverless")
    try:
        state = check_usable(emr, application_id, session_id)
    except SessionNotUsable as error:
        print(f"not connecting: {error}", file=sys.stderr)
        return 2
    endpoint = EndpointToken(emr, application_id, session_id)
    print(f"session {session_id} is {state}")
    print(f"Spark Connect URL: {redacted(endpoint.url())}")
    print(f"token expires at {endpoint.expires_at.isoformat()}; asked for again at {endpoint.refresh_at.isoformat()}")
    if args.url_only:
        return 0

    from pyspark.sql import SparkSession  # imported here: --url-only needs no PySpark

    # A session built from the URL keeps its token; a client that runs past refresh_at builds a new
    # SparkSession from endpoint.url(), or sends endpoint.token() as x-aws-proxy-auth metadata itself.
    spark = SparkSession.builder.remote(endpoint.url()).getOrCreate()
    spark.sql("SELECT 1").show()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
