# One image for the three services and the gateway; docker-compose.yml picks the module.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PYTHONPATH=/app
# The runtime lock only (every package pinned, with hashes): no test or benchmark tools.
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
# GOV.UK Frontend's CSS, JS and assets for the web pages
COPY --from=frontend /app/node_modules ./node_modules
