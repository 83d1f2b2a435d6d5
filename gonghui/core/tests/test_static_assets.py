"""The console works on a closed network: every front-end asset is served from the repository."""


def test_it_serves_the_vendored_front_end_assets(client, db):
    for path in (
        "/static/gonghui/console.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/ninja/swagger-ui-bundle.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content if response.streaming else [response.content])
