"""The compose file and Dockerfile, checked as far as a machine without a Docker engine can."""

import re
from pathlib import Path

import yaml

from service.config import Config

PROJECT_DIR = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())


def test_compose_names_the_services_as_the_guide_does():
    services = compose()["services"]
    assert {"db", "backend"} <= set(services)
    assert services["db"]["environment"] == {
        "POSTGRES_USER": "uruser",
        "POSTGRES_PASSWORD": "urpassword",
        "POSTGRES_DB": "urtraining",
    }


def test_the_backend_waits_for_a_healthy_database_and_points_at_it():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["backend"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "uruser:urpassword@db:5432/urtraining" in services["backend"]["environment"]["DATABASE_URL"]
    assert services["backend"]["build"] == "."


def test_every_file_the_dockerfile_copies_exists():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    copied = []
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            copied += line.split()[1:-1]
    assert copied
    for source in copied:
        assert (PROJECT_DIR / source).exists(), source


def test_the_image_runs_gunicorn_with_the_project_config():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    assert re.search(r'^CMD \["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"\]$', dockerfile, re.M)
    assert "USER urtraining" in dockerfile


def test_env_example_lists_every_variable_the_config_reads():
    config_source = (PROJECT_DIR / "service" / "config.py").read_text()
    read = set(re.findall(r'env\.\w+\("([A-Z_]+)"', config_source))
    assert {"DATABASE_URL", "SECRET_KEY", "DB_POOL_MAX_SIZE"} <= read
    example = (PROJECT_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.M))
    assert read - listed == set()


def test_every_readme_section_a_project_file_points_to_exists():
    headings = set(re.findall(r"^#+ (.+)$", (PROJECT_DIR / "README.md").read_text(), re.M))
    pointers = {
        (name, section)
        for name in ("yoyo.ini", ".env.example", "gunicorn.conf.py", "Makefile")
        for section in re.findall(r'README, "([^"]+)"', (PROJECT_DIR / name).read_text())
    }
    assert ("yoyo.ini", "For DBAs") in pointers
    assert {(name, section) for name, section in pointers if section not in headings} == set()


def test_nginx_is_the_only_published_port():
    services = compose()["services"]

    published = {name for name, service in services.items() if service.get("ports")}

    assert published == {"nginx"}
    assert services["nginx"]["ports"] == ["8000:8080"]
    assert services["backend"].get("expose") == ["8000"]


def test_nginx_uses_the_repository_template_pointed_at_the_backend():
    nginx = compose()["services"]["nginx"]

    assert nginx["image"].split(":")[0] == "nginx"
    assert nginx["volumes"] == ["./deploy/nginx/templates:/etc/nginx/templates:ro"]
    assert (PROJECT_DIR / "deploy/nginx/templates/default.conf.template").exists()
    assert nginx["environment"] == {"URTRAINING_LISTEN_PORT": "8080", "URTRAINING_BACKEND": "backend:8000"}
    assert nginx["depends_on"]["backend"]["condition"] == "service_healthy"


def test_the_backend_trusts_exactly_the_one_proxy_in_front_of_it():
    assert compose()["services"]["backend"]["environment"]["TRUSTED_PROXY_COUNT"] == 1


def test_nginx_limits_the_body_to_the_services_max_content_length():
    template = (PROJECT_DIR / "deploy/nginx/templates/default.conf.template").read_text()
    limit = re.search(r"^\s*client_max_body_size (\d+)k;", template, re.M)

    assert limit and int(limit.group(1)) * 1024 == Config(environ={}).MAX_CONTENT_LENGTH
    assert re.search(r"^\s*client_header_timeout \d+s;", template, re.M)
    assert re.search(r"^\s*client_body_timeout \d+s;", template, re.M)


def test_the_guides_psql_line_still_reaches_the_database_service():
    services = compose()["services"]
    assert services["db"]["environment"]["POSTGRES_USER"] == "uruser"
    assert services["db"]["environment"]["POSTGRES_DB"] == "urtraining"
    assert "ports" not in services["db"]  # `docker-compose exec db psql` needs no published port
