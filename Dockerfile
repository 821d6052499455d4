# One image for the services and the web pages; docker-compose.yml picks one with the command
# (python -m services.assessment | services.scoring | services.notifications | services.web).
# The unit board's charting library, from the committed lock file (served by the web pages).
FROM node:20-slim AS charts
WORKDIR /charts
COPY services/web/charts/package.json services/web/charts/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY contracts ./contracts
COPY services ./services
COPY tools ./tools
COPY --from=charts /charts/node_modules ./services/web/charts/node_modules
# Editable, so the migrations (plain files beside the code) are found where the code is.
# token-keys: assessment's private signing keys (a volume in docker-compose.yml), the service's
# user's alone; a fresh volume takes this owner and mode.
# PyICU (Vietnamese collation) is built against the system's ICU; the compiler goes after.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
    && pip install -e . \
    && apt-mark manual $(dpkg-query -W -f='${Package}\n' 'libicu[0-9]*') \
    && apt-get purge -y --auto-remove libicu-dev pkg-config g++ \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/ward5s --create-home ward5s \
    && install -d -o ward5s -g ward5s -m 700 /var/lib/ward5s/token-keys

USER ward5s
ENV WARD5S_VAR_DIR=/var/lib/ward5s \
    WARD5S_HTTP_HOST=0.0.0.0 \
    WARD5S_ENVIRONMENT=production
# Each service runs its migrations when it starts, then serves HTTP.
CMD ["python", "-m", "services.assessment"]
